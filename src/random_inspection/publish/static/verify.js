/*
 * verify.js — the "核验本次抽取 verify this draw" panel of a task notice.
 *
 * The page works without it; it only adds the verification. The button re-runs the draw
 * from the two files the page offers for download (the directory and the record), fetched
 * from the site; the form does the same with files the visitor chooses (needed when the site
 * is opened from a folder: browsers do not let a page read files beside it). The work runs
 * in a Web Worker made from riDrawSpec's own source (draw-spec.js), or on the page when a
 * worker cannot be made. Every text from the files is shown with textContent, never as HTML.
 */
(function () {
  'use strict';
  const panel = document.getElementById('verify-panel');
  if (!panel || typeof riDrawSpec !== 'function' || typeof riWorkerMain !== 'function') return;
  const button = document.getElementById('verify-button');
  const form = document.getElementById('verify-files');
  const bar = document.getElementById('verify-progress');
  const barRow = document.getElementById('verify-progress-row');
  const stage = document.getElementById('verify-stage');
  const out = document.getElementById('verify-result');
  panel.hidden = false;

  const STAGES = {
    record: ['读取审计记录', 'reading the audit record'],
    download: ['下载检查对象名录', 'downloading the target directory'],
    parse: ['读取名录', 'reading the directory'],
    digest: ['计算名录摘要', 'computing the directory digest'],
    sample: ['重放抽取', 'replaying the draw'],
  };
  const VERDICTS = {
    verified: ['核验通过', 'verified', 'ok'],
    'not verified': ['核验未通过', 'not verified', 'fail'],
    'cannot check': ['无法核验', 'cannot check', 'need'],
  };
  const STATUS = { ok: ['一致', 'agrees'], fail: ['不一致', 'differs'], need: ['未能核验', 'not checked'] };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const child of children) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function bilingual(zh, en) {
    return el('span', {}, zh + ' ', el('span', { lang: 'en' }, en));
  }

  function showProgress(name, done, total) {
    const key = name.startsWith('sample') ? 'sample' : name;
    const [zh, en] = STAGES[key] || [name, name];
    const layer = name.startsWith('sample ') ? ' · ' + name.slice(7) : '';
    stage.replaceChildren(bilingual(zh + layer, en + layer));
    if (total) {
      bar.max = total;
      bar.value = Math.min(done, total);
      bar.textContent = Math.round((100 * done) / total) + '%';
    } else {
      bar.removeAttribute('value');
      bar.textContent = '…';
    }
  }

  function table(caption, head, rows) {
    const t = el('table', {}, el('caption', {}, caption));
    t.append(el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { scope: 'col' }, h)))));
    const body = el('tbody');
    for (const r of rows) body.append(el('tr', {}, ...r.map((cell, k) => el(k === 0 ? 'th' : 'td', k === 0 ? { scope: 'row' } : {}, cell))));
    t.append(body);
    return el('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption.textContent }, t);
  }

  function selectionText(s) {
    if (!s.selection) return bilingual('未能核验', 'not checked: ' + s.detail);
    if (s.selection.agree) return bilingual(`一致，共 ${s.selection.count} 个`, `agrees, ${s.selection.count} drawn`);
    const rec = s.selection.recorded === null ? '（无）' : s.selection.recorded;
    const got = s.selection.drawn === null ? '（无）' : s.selection.drawn;
    return bilingual(`第 ${s.selection.draw} 次抽取起不一致：记录为 ${rec}，重放为 ${got}`,
      `first difference at draw ${s.selection.draw}: recorded ${rec}, replayed ${got}`);
  }

  function render(result) {
    const [zh, en, cls] = VERDICTS[result.verdict];
    out.replaceChildren();
    const verdict = el('p', { id: 'verify-verdict', class: 'verdict ' + cls, 'data-verdict': result.verdict.replace(' ', '-') },
      el('strong', {}, zh), ' ', el('strong', { lang: 'en' }, en));
    out.append(verdict);
    const failed = [...result.checks.filter((c) => c.status !== 'ok').map((c) => `${c.zh} ${c.en}: ${c.detail}`),
      ...result.strata.filter((s) => s.status !== 'ok').map((s) => `${s.label} 层 stratum ${s.label}: ${s.detail}`)];
    if (failed.length) {
      out.append(el('h3', {}, bilingual('不一致或未能核验之处', 'What differs or could not be checked')));
      out.append(el('ul', { id: 'verify-differences' }, ...failed.map((f) => el('li', {}, f))));
    }
    out.append(table(bilingual('各项核验', 'Checks'),
      [bilingual('项目', 'check'), bilingual('结果', 'result'), bilingual('说明', 'detail')],
      result.checks.map((c) => [bilingual(c.zh, c.en), bilingual(...STATUS[c.status]), c.detail])));
    if (result.strata.length) {
      out.append(table(bilingual('各层重放结果', 'Each stratum replayed'),
        [bilingual('层', 'stratum'), bilingual('总体（记录/重算）', 'population (recorded/computed)'),
          bilingual('样本量（记录/重算）', 'size (recorded/computed)'), bilingual('抽取结果', 'selection')],
        result.strata.map((s) => [s.label, `${s.population.recorded} / ${s.population.computed}`,
          `${s.size.recorded} / ${s.size.computed}`, selectionText(s)])));
    }
    for (const note of result.notes) out.append(el('p', { class: 'note' }, note));
  }

  function workerOf() {
    try {
      const source = '"use strict";(' + riWorkerMain.toString() + ')((' + riDrawSpec.toString() + ')(), self);';
      const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
      return new Worker(url);
    } catch (e) {
      return null; // no workers here: the page does the work
    }
  }

  function run(sources) {
    button.disabled = true;
    form.querySelector('button').disabled = true;
    out.replaceChildren(el('p', {}, bilingual('正在核验……', 'Verifying…')));
    barRow.hidden = false;
    showProgress('record', 0, null);
    let finished = false;
    const finish = (result) => {
      if (finished) return;
      finished = true;
      barRow.hidden = true;
      stage.replaceChildren();
      button.disabled = false;
      form.querySelector('button').disabled = false;
      render(result);
    };
    const handle = (data) => {
      if (data.type === 'progress') showProgress(data.stage, data.done, data.total);
      else if (data.type === 'result') finish(data.result);
    };
    const onPage = () => {
      const scope = { postMessage: handle };
      riWorkerMain(riDrawSpec(), scope);
      scope.onmessage({ data: sources });
    };
    const worker = workerOf();
    if (!worker) { onPage(); return; }
    worker.onmessage = (event) => {
      handle(event.data);
      if (event.data.type === 'result') worker.terminate();
    };
    worker.onerror = (event) => {
      event.preventDefault();
      worker.terminate();
      if (!finished) onPage();
    };
    worker.postMessage(sources);
  }

  function published(id) {
    const link = document.getElementById(id);
    return { url: new URL(link.getAttribute('href'), location.href).href, name: link.textContent.trim() };
  }

  button.addEventListener('click', () => run({ record: published('record-link'), directory: published('directory-link') }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const record = document.getElementById('file-record').files[0];
    const directory = document.getElementById('file-directory').files[0];
    if (!record || !directory) {
      out.replaceChildren(el('p', { class: 'verdict need', role: 'alert' },
        bilingual('请选择审计记录和检查对象名录两个文件。', 'Choose both files: the audit record and the target directory.')));
      return;
    }
    run({ record: { file: record, name: record.name }, directory: { file: directory, name: directory.name } });
  });
})();
