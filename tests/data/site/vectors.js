// Run by test_site_browser.py in a task notice (draw-spec.js loaded): the spec's test
// vectors (docs/spec/vectors.json, given as arguments[0]) through riDrawSpec(); each result
// is true when the browser's value is the vector's.

const done = arguments[arguments.length - 1];
const v = arguments[0];
const RI = riDrawSpec();
const FIELDS = ['id', 'name', 'entity_type', 'region', 'industry', 'registering_office',
                'supervising_office', 'risk_class', 'tags', 'last_check_date'];
const csv = (rows) => FIELDS.join(',') + '\n' + rows.map((r) => FIELDS.map((f) => r[f]).join(',')).join('\n') + '\n';
(async () => {
  const out = {};
  out.rivest = [];
  for (const r of v.rivest) out.rivest.push(JSON.stringify(await RI.positions(r.seed, r.total, r.expected.length)) === JSON.stringify(r.expected));
  for (const [name, c] of [['floor', v.floor], ['exclusions', v.exclusions],
      ['weighted_rounds', v.weighted.capping_in_rounds], ['weighted_all_capped', v.weighted.all_capped]]) {
    const dir = RI.readDirectory(csv(c.directory_rows));
    const digest = await RI.directoryDigest(dir);
    const { strata, counts } = RI.frame(dir, c.design);
    const pops = ['A', 'B', 'C', 'D', 'U'].map((k) => strata[k].length);
    const alloc = c.design.kind === 'stratified-by-risk' ? RI.stratified(c.design, pops)
      : await RI.weighted(c.design, pops, () => RI.uniformOf(`${c.seed},${c.purpose},rounding`));
    const selected = [];
    for (let h = 0; h < 5; h++) {
      const L = 'ABCDU'[h];
      const n = alloc.strata[h].size;
      selected.push(n === pops[h] ? strata[L] : (await RI.sample(`${c.seed},${c.purpose},${L}`, pops[h], n)).map((p) => strata[L][p - 1]));
    }
    const e = c.expected;
    out[name] = [digest === e.directory.digest, RI.canonical(counts) === RI.canonical(e.eligibility),
      RI.canonical(alloc) === RI.canonical(e.allocation),
      JSON.stringify(selected) === JSON.stringify(e.strata.map((s) => s.selected))];
  }
  const s = v.stratified;
  const rows = s.ids.map((id, k) => ({ id, name: s.targets[k][1], entity_type: 'enterprise', region: '140921',
    industry: '', registering_office: '', supervising_office: '', risk_class: s.targets[k][0], tags: '', last_check_date: '' }));
  out.stratified_digest = await RI.directoryDigest(RI.readDirectory(csv(rows))) === s.directory_digest;
  done(out);
})().catch((e) => done({ error: String(e && e.stack || e) }));
