// Run by test_site_browser.py on every page: what is wrong with its structure (lang,
// headings, labels, tables, scrolling regions, skip link, images), as a list of texts.

const problems = [];
const html = document.documentElement;
if (html.getAttribute('lang') !== 'zh-Hans') problems.push('html lang ' + html.getAttribute('lang'));
for (const e of document.querySelectorAll('[lang]')) {
  if (!['zh-Hans', 'en'].includes(e.getAttribute('lang'))) problems.push('lang ' + e.getAttribute('lang'));
}
const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map((h) => +h.tagName[1]);
if (headings.filter((h) => h === 1).length !== 1) problems.push('h1 count ' + headings.filter((h) => h === 1).length);
headings.forEach((h, k) => { if (k && h > headings[k - 1] + 1) problems.push('heading jumps to h' + h); });
for (const c of document.querySelectorAll('button, input, select, textarea, progress')) {
  const labelled = (c.id && document.querySelector(`label[for="${c.id}"]`)) || c.getAttribute('aria-label')
    || (c.tagName === 'BUTTON' && c.textContent.trim());
  if (!labelled) problems.push('unlabelled ' + c.tagName + '#' + c.id);
}
for (const img of document.querySelectorAll('img')) if (!img.hasAttribute('alt')) problems.push('img without alt');
for (const t of document.querySelectorAll('table')) {
  if (!t.querySelector('caption')) problems.push('table without caption');
  if (!t.querySelector('th[scope=col]')) problems.push('table without column headers');
}
for (const r of document.querySelectorAll('.table-wrap')) {
  if (r.getAttribute('tabindex') !== '0' || !r.getAttribute('aria-label')) problems.push('scroll region not focusable and named');
}
if (!document.querySelector('main#main') || !document.querySelector('a.skip[href="#main"]')) problems.push('no skip link to main');
if (document.title.length < 4) problems.push('no title');
return problems;
