/*
 * draw-spec.js — the target draw of draw spec 1.1 (docs/spec/draw-spec.md), re-run in the
 * browser from the two published files: the target directory (CSV, §13.1) and the audit
 * record (canonical JSON, §9).
 *
 * A third implementation of the spec, written by hand from its text: it shares no code with
 * the random_inspection library or with verifier.py. It implements §3 (seed strings), §4
 * (Rivest's sampler), §5 (canonical directory and its digest), §6 (the frame), §7 (both
 * allocations, in exact rational arithmetic on BigInt), §8 (selection), §9.1 (canonical
 * JSON), §9.6 (the record digest) and §13.1 (reading the directory file). Inspection teams
 * (§12) are not replayed here: verifier.py checks them.
 *
 * Everything is inside riDrawSpec(), so that the page can hand the function's own source to
 * a Web Worker (a blob URL works from a web server and from a folder on disk alike).
 * SHA-256 comes from WebCrypto (crypto.subtle.digest); SM3 is not in browsers, so a record
 * drawn with SM3 says plainly that its selections cannot be checked here.
 */
/* exported riDrawSpec, riWorkerMain */
function riDrawSpec() {
  'use strict';

  const CLASSES = ['A', 'B', 'C', 'D', 'U'];
  const FIELDS = ['id', 'name', 'entity_type', 'region', 'industry', 'registering_office',
    'supervising_office', 'risk_class', 'tags', 'last_check_date'];
  const FORMAT = 'random-inspection/audit-record';
  const MAX_INTEGER = 9007199254740991; // 2^53 - 1 (§9.1)
  const MAX_DEPTH = 64;

  /** An input cannot be used: the verdict is "cannot check" (§10.3). */
  class CannotCheck extends Error {}
  /** The record breaks the canonical format (§9.1, §10.1.3): "not verified". */
  class Altered extends Error {}

  // --- text (§9.2) ----------------------------------------------------------------------

  // White space as §9.2 defines it (Python's str.isspace); U+FEFF is not white space.
  const WS = '\\t\\n\\u000b\\f\\r\\u001c-\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a' +
    '\\u2028\\u2029\\u202f\\u205f\\u3000';
  const TRIM = new RegExp('^[' + WS + ']+|[' + WS + ']+$', 'g');
  const HAS_WS = new RegExp('[' + WS + ']');
  const CONTROL = /[\u0000-\u001f\u007f]/;
  const PLAIN = /^[\u0021-\u007e](?:[\u0020-\u007e]*[\u0021-\u007e])?$/; // ASCII, no edge space

  function trim(s) { return s.replace(TRIM, ''); }

  function codePoints(s) {
    let n = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0xdc00 || c > 0xdfff || i === 0 || s.charCodeAt(i - 1) < 0xd800 ||
          s.charCodeAt(i - 1) > 0xdbff) n++;
    }
    return n;
  }

  /** Compare two strings by Unicode code point (not by UTF-16 unit), as §5, §9.1 sort. */
  function byCodePoint(a, b) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      let x = a.charCodeAt(i);
      let y = b.charCodeAt(i);
      if (x !== y) {
        // Surrogates (astral code points) sort after every BMP unit, U+E000–U+FFFF included.
        x = x >= 0xd800 && x <= 0xdfff ? x + 0x2000 : x >= 0xe000 ? x - 0x800 : x;
        y = y >= 0xd800 && y <= 0xdfff ? y + 0x2000 : y >= 0xe000 ? y - 0x800 : y;
        return x - y;
      }
    }
    return a.length - b.length;
  }

  // --- exact rationals (§7: never floating point) ---------------------------------------

  function gcd(a, b) {
    if (a < 0n) a = -a;
    if (b < 0n) b = -b;
    while (b) [a, b] = [b, a % b];
    return a;
  }

  class Q {
    constructor(n, d = 1n) {
      if (d === 0n) throw new Error('division by zero');
      if (d < 0n) { n = -n; d = -d; }
      const g = gcd(n, d) || 1n;
      this.n = n / g;
      this.d = d / g;
    }
    static of(x) { return x instanceof Q ? x : new Q(BigInt(x)); }
    /** A record's rational: "3", "0" or "n/d" (§9.3); null when not canonical. */
    static parse(text) {
      if (typeof text !== 'string') return null;
      const m = /^(0|[1-9][0-9]*)(?:\/([1-9][0-9]*))?$/.exec(text);
      if (!m) return null;
      const q = new Q(BigInt(m[1]), m[2] === undefined ? 1n : BigInt(m[2]));
      return q.toString() === text ? q : null;
    }
    add(o) { o = Q.of(o); return new Q(this.n * o.d + o.n * this.d, this.d * o.d); }
    sub(o) { o = Q.of(o); return new Q(this.n * o.d - o.n * this.d, this.d * o.d); }
    mul(o) { o = Q.of(o); return new Q(this.n * o.n, this.d * o.d); }
    div(o) { o = Q.of(o); return new Q(this.n * o.d, this.d * o.n); }
    cmp(o) { o = Q.of(o); const l = this.n * o.d; const r = o.n * this.d; return l < r ? -1 : l > r ? 1 : 0; }
    floor() { const q = this.n / this.d; return this.n < 0n && q * this.d !== this.n ? q - 1n : q; }
    ceil() { return -new Q(-this.n, this.d).floor(); }
    isZero() { return this.n === 0n; }
    toString() { return this.d === 1n ? String(this.n) : this.n + '/' + this.d; }
  }
  const ZERO = new Q(0n);
  const ONE = new Q(1n);
  const qmin = (a, b) => (a.cmp(b) <= 0 ? a : b);

  // --- canonical JSON (§9.1) --------------------------------------------------------------

  const ESCAPES = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

  function quote(s) {
    return '"' + s.replace(/["\\\u0000-\u001f]/g, (c) =>
      ESCAPES[c] || '\\u00' + c.charCodeAt(0).toString(16).padStart(2, '0')) + '"';
  }

  /** The canonical JSON text of a value: keys by code point, no space, integers only. */
  function canonical(value) {
    if (value === null) return 'null';
    if (value === true) return 'true';
    if (value === false) return 'false';
    if (typeof value === 'string') return quote(value);
    if (typeof value === 'number') {
      if (!Number.isInteger(value) || value < 0 || value > MAX_INTEGER) {
        throw new Altered('a number that is not an integer from 0 to 2^53 − 1: ' + value);
      }
      return String(value);
    }
    if (Array.isArray(value)) return '[' + value.map(canonical).join(',') + ']';
    const keys = Object.keys(value).sort(byCodePoint);
    return '{' + keys.map((k) => quote(k) + ':' + canonical(value[k])).join(',') + '}';
  }

  /** The end (one past the closing brace) of the JSON object starting at `start`, or -1. */
  function objectEnd(text, start) {
    let level = 0;
    let inString = false;
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (inString) {
        if (c === 92) i++;
        else if (c === 34) inString = false;
      } else if (c === 34) inString = true;
      else if (c === 123 || c === 91) level++;
      else if ((c === 125 || c === 93) && --level === 0) return i + 1;
    }
    return -1;
  }

  function depth(text) {
    let level = 0;
    let deepest = 0;
    let inString = false;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (inString) {
        if (c === 92) i++; // backslash: skip the escaped character
        else if (c === 34) inString = false;
      } else if (c === 34) inString = true;
      else if (c === 123 || c === 91) deepest = Math.max(deepest, ++level);
      else if (c === 125 || c === 93) level--;
    }
    return deepest;
  }

  // --- hashing ----------------------------------------------------------------------------

  const encoder = new TextEncoder();

  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  }

  function hex(bytes) {
    let out = '';
    for (let i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
    return out;
  }

  // --- the record (§9, §10.1) -------------------------------------------------------------

  /** Read a record's bytes strictly: {record, text}. Throws CannotCheck or Altered. */
  function readRecord(bytes) {
    let text;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes); // drops one leading BOM
    } catch (e) {
      throw new CannotCheck('记录不是 UTF-8 文本 the record is not UTF-8 text');
    }
    if (depth(text) > MAX_DEPTH) {
      throw new CannotCheck(`记录嵌套超过 ${MAX_DEPTH} 层 the record is nested more than ${MAX_DEPTH} levels deep`);
    }
    let record;
    let start = 0;
    while (start < text.length && ' \t\n\r'.includes(text[start])) start++;
    // The first JSON value: data after it makes the record altered (§10.1.3), not unreadable.
    const end = text[start] === '{' ? objectEnd(text, start) : -1;
    try {
      record = JSON.parse(end > 0 ? text.slice(0, end) : text);
    } catch (e) {
      throw new CannotCheck('记录不是 JSON the record is not JSON: ' + e.message);
    }
    // A key given twice keeps its last value here; §10.1.1 counts any of a duplicated
    // `format`'s values, so the text is searched too (the canonical check then fails).
    if (record === null || typeof record !== 'object' || Array.isArray(record) ||
        (record.format !== FORMAT && !text.includes(`"format":"${FORMAT}"`))) {
      throw new CannotCheck(`不是审计记录 not an audit record (no "format": "${FORMAT}")`);
    }
    if (typeof record.spec_version !== 'string') throw new Altered('$.spec_version: not a string');
    if (record.spec_version !== '1.1') {
      throw new CannotCheck(`记录的规范版本为 ${JSON.stringify(record.spec_version)}，浏览器只核验 1.1；` +
        `请用 verifier.py 核验 / the record is of spec ${JSON.stringify(record.spec_version)}; ` +
        'the browser checks 1.1 only: use verifier.py');
    }
    const expected = canonical(record); // throws Altered for a non-integer number
    if (expected !== text) {
      let at = 0;
      while (at < expected.length && at < text.length && expected[at] === text[at]) at++;
      throw new Altered(`记录不是规范 JSON（第 ${at + 1} 个字符起）the record is not canonical ` +
        `JSON from character ${at + 1}: found ${JSON.stringify(text.slice(at, at + 24))}, ` +
        `expected ${JSON.stringify(expected.slice(at, at + 24))} (edited after publication)`);
    }
    const strings = [];
    (function collect(v) {
      if (typeof v === 'string') strings.push(v);
      else if (v && typeof v === 'object') for (const k of Object.keys(v)) { strings.push(k); collect(v[k]); }
    })(record);
    const bad = strings.find((s) => s.normalize('NFC') !== s);
    if (bad !== undefined) throw new Altered(`字符串不是 NFC text not in NFC: ${JSON.stringify(bad)}`);
    shape(record);
    return { record, text };
  }

  /** The keys and types the replay reads (§9.3): a record without them was altered. */
  function shape(r) {
    const fail = (where, what) => { throw new Altered(`${where}: ${what}`); };
    const obj = (v, where) => (v && typeof v === 'object' && !Array.isArray(v) ? v : fail(where, 'not an object'));
    const str = (v, where) => (typeof v === 'string' ? v : fail(where, 'not a string'));
    const int = (v, where) => (Number.isInteger(v) && v >= 0 ? v : fail(where, 'not a count'));
    const keys = (v, where, required, optional = []) => {
      for (const k of required) if (!(k in v)) fail(where, `lacks the key "${k}"`);
      for (const k of Object.keys(v)) if (!required.includes(k) && !optional.includes(k)) fail(where, `has the unknown key "${k}"`);
    };
    keys(r, '$', ['format', 'spec_version', 'library_version', 'hash', 'seed', 'purpose', 'directory',
      'design', 'eligibility', 'allocation', 'strata', 'record_digest'], ['teams', 'ceremony']);
    if (!/^[0-9A-Za-z][0-9A-Za-z.+!_-]{0,63}$/.test(r.library_version)) fail('$.library_version', 'not a version');
    str(r.record_digest, '$.record_digest');
    if (!['sha256', 'sm3'].includes(r.hash)) fail('$.hash', 'not "sha256" or "sm3"');
    keys(obj(r.seed, '$.seed'), '$.seed', ['value', 'provenance', 'parties']);
    const seed = str(r.seed.value, '$.seed.value');
    const groups = seed.split('-');
    const plain = groups.join('');
    if (!groups.every((g) => /^[0-9a-fA-F]+$/.test(g)) || plain.length < (/^[0-9]+$/.test(plain) ? 20 : 32)) {
      fail('$.seed.value', 'not a seed of §2 (groups of 0-9a-f joined by "-", at least 20 dice digits or 32 hex)');
    }
    if (!['ceremony', 'combined', 'generated'].includes(r.seed.provenance)) fail('$.seed.provenance', 'unknown provenance');
    if (!Array.isArray(r.seed.parties) || !r.seed.parties.every((x) => typeof x === 'string') ||
        (r.seed.provenance === 'combined' ? r.seed.parties.length !== groups.length : r.seed.parties.length)) {
      fail('$.seed.parties', 'not one party per group of a combined seed (and none otherwise)');
    }
    const purpose = str(r.purpose, '$.purpose');
    if (!purpose || purpose.includes(',') || CONTROL.test(purpose) || trim(purpose) !== purpose || codePoints(purpose) > 200) {
      fail('$.purpose', 'not a purpose of §3');
    }
    keys(obj(r.directory, '$.directory'), '$.directory', ['digest', 'size']);
    str(r.directory.digest, '$.directory.digest');
    int(r.directory.size, '$.directory.size');
    const d = obj(r.design, '$.design');
    if (!['stratified-by-risk', 'class-weighted'].includes(d.kind)) fail('$.design.kind', 'unknown design');
    keys(d, '$.design', ['kind', 'scope', 'exclude_checked_since', 'excluded_ids', 'floor',
      ...(d.kind === 'stratified-by-risk' ? ['rates', 'minimums', 'maximums'] : ['total', 'weights'])]);
    const scope = obj(d.scope, '$.design.scope');
    keys(scope, '$.design.scope', ['region_prefixes', 'industry_prefixes', 'entity_types', 'risk_classes',
      'tags_all', 'tags_any', 'registering_offices', 'supervising_offices']);
    for (const key of ['region_prefixes', 'industry_prefixes', 'entity_types', 'risk_classes',
      'tags_all', 'tags_any', 'registering_offices', 'supervising_offices']) {
      if (!Array.isArray(scope[key]) || !scope[key].every((x) => typeof x === 'string')) {
        fail('$.design.scope.' + key, 'not a list of strings');
      }
    }
    if (d.exclude_checked_since !== null) str(d.exclude_checked_since, '$.design.exclude_checked_since');
    const isText = (t) => typeof t === 'string' && t.length > 0 && trim(t) === t && !CONTROL.test(t) && codePoints(t) <= 200;
    const isLabel = (t) => isText(t) && !/[;；|,]/.test(t);
    for (const [reason, ids] of Object.entries(obj(d.excluded_ids, '$.design.excluded_ids'))) {
      if (!isText(reason)) fail('$.design.excluded_ids', `the reason ${JSON.stringify(reason)} is not text`);
      if (!Array.isArray(ids) || !ids.every((x) => typeof x === 'string' && ID.test(x))) fail(`$.design.excluded_ids.${reason}`, 'not a list of ids');
    }
    const kinds = ['enterprise', 'individual_business', 'farmer_cooperative', 'other_organisation', 'product', 'project'];
    if (!scope.entity_types.every((t) => kinds.includes(t))) fail('$.design.scope.entity_types', 'an unknown entity type');
    if (!scope.risk_classes.every((c) => CLASSES.includes(c))) fail('$.design.scope.risk_classes', 'an unknown risk class');
    for (const key of ['tags_all', 'tags_any', 'registering_offices', 'supervising_offices']) {
      if (!scope[key].every(isLabel)) fail('$.design.scope.' + key, 'not a list of labels');
    }
    const tables = d.kind === 'stratified-by-risk' ? ['rates', 'minimums', 'maximums'] : ['weights'];
    for (const t of tables) {
      const table = obj(d[t], '$.design.' + t);
      keys(table, '$.design.' + t, CLASSES);
      for (const c of CLASSES) {
        if (!(c in table)) fail(`$.design.${t}`, 'lacks class ' + c);
        if (t === 'minimums') int(table[c], `$.design.minimums.${c}`);
        if (t === 'maximums' && table[c] !== null) int(table[c], `$.design.maximums.${c}`);
      }
    }
    if (d.kind === 'class-weighted') int(d.total, '$.design.total');
    if (d.exclude_checked_since !== null && !/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(d.exclude_checked_since)) {
      fail('$.design.exclude_checked_since', 'not a date');
    }
    obj(r.eligibility, '$.eligibility'); // compared whole with the recomputed counts
    obj(r.allocation, '$.allocation'); // compared whole with the recomputed allocation
    if (r.ceremony !== undefined) {
      keys(obj(r.ceremony, '$.ceremony'), '$.ceremony', ['commitment_digest', 'opened', 'attempt', 'replaces', 'reason']);
    }
    if (r.teams !== undefined) obj(r.teams, '$.teams'); // not replayed here (verifier.py does)
    if (!Array.isArray(r.strata) || r.strata.length !== 5) fail('$.strata', 'not five strata');
    r.strata.forEach((s, k) => {
      keys(obj(s, `$.strata[${k}]`), `$.strata[${k}]`, ['label', 'population', 'size', 'seed_string', 'selected']);
      if (s.label !== CLASSES[k]) fail(`$.strata[${k}].label`, 'not ' + CLASSES[k]);
      int(s.population, `$.strata[${k}].population`);
      int(s.size, `$.strata[${k}].size`);
      str(s.seed_string, `$.strata[${k}].seed_string`);
      if (!Array.isArray(s.selected) || !s.selected.every((x) => typeof x === 'string')) fail(`$.strata[${k}].selected`, 'not a list of ids');
    });
  }

  /** §9.3.1 and §10.2: the design is canonical and valid; a problem, or null. */
  function designProblem(d) {
    for (const [key, values] of Object.entries(d.scope)) {
      for (let i = 1; i < values.length; i++) {
        if (byCodePoint(values[i - 1], values[i]) >= 0) return `scope ${key} is not sorted and distinct`;
      }
    }
    for (const prefix of d.scope.region_prefixes) {
      if (!/^[0-9]{2}(?:[0-9]{2}(?:[0-9]{2}(?:[0-9]{3}(?:[0-9]{3})?)?)?)?$/.test(prefix) ||
          regionProblem(prefix)) return `scope region prefix ${prefix} is not a division code prefix`;
    }
    for (const prefix of d.scope.industry_prefixes) {
      if (!/^[A-T](?:[0-9]{2}(?:[0-9]{1,2})?)?$/.test(prefix)) return `scope industry prefix ${prefix} is not an industry code`;
    }
    for (const [reason, ids] of Object.entries(d.excluded_ids)) {
      for (let i = 1; i < ids.length; i++) {
        if (byCodePoint(ids[i - 1], ids[i]) >= 0) return `excluded ids of ${reason} are not sorted and distinct`;
      }
    }
    const floor = Q.parse(d.floor);
    if (floor === null) return 'the floor is not an integer or n/d in lowest terms';
    if (floor.cmp(ONE) > 0) return 'the floor is above 1';
    const table = d.kind === 'stratified-by-risk' ? d.rates : d.weights;
    for (const c of CLASSES) {
      const q = Q.parse(table[c]);
      if (q === null) return `the rate or weight of ${c} is not an integer or n/d in lowest terms`;
      if (d.kind === 'stratified-by-risk') {
        if (q.cmp(ONE) > 0) return `the rate of ${c} is above 1`;
        if (d.maximums[c] !== null && d.minimums[c] > d.maximums[c]) return `the minimum of ${c} is above its maximum`;
      }
    }
    return null;
  }

  // --- reading the directory file (§13.1, §13.6) ------------------------------------------

  const HEADERS = {};
  for (const [field, names] of Object.entries({
    entity_type: ['entity_type', 'type', '主体类型', '市场主体类型', '检查对象类型'],
    id: ['id', 'uscc', '信用代码', '注册号', '统一社会信用代码', '统一社会信用代码/注册号'],
    industry: ['industry', '国民经济行业代码', '行业', '行业代码'],
    last_check_date: ['last_check_date', '上次抽查日期', '上次检查日期', '最近检查日期'],
    name: ['name', '主体名称', '企业名称', '名称', '检查对象名称'],
    region: ['region', '区域代码', '所属区域', '行政区划', '行政区划代码'],
    registering_office: ['registering_office', '登记机关'],
    risk_class: ['risk_class', '信用风险分类', '信用风险分类结果', '风险分类', '风险等级'],
    supervising_office: ['supervising_office', '监管机关', '管辖单位', '管辖机关'],
    tags: ['tags', '个性化标注', '标注', '标签'],
  })) for (const name of names) HEADERS[name] = field;

  const ENTITY_TYPES = {};
  for (const [code, words] of Object.entries({
    enterprise: ['企业'],
    farmer_cooperative: ['farmer cooperative', '农民专业合作社', '农民合作社', '合作社'],
    individual_business: ['individual business', '个体工商户', '个体户'],
    other_organisation: ['organisation', 'other organisation', 'other organization', '其他组织', '有关组织'],
    product: ['产品'],
    project: ['项目'],
  })) for (const w of [code, ...words]) ENTITY_TYPES[w] = code;

  const RISK_CLASSES = {};
  for (const [code, words] of Object.entries({
    A: ['a类', 'low risk', '低', '低风险', '信用风险低'],
    B: ['b类', 'general risk', '一般', '一般风险', '信用风险一般'],
    C: ['c类', 'elevated risk', '信用风险较高', '较高', '较高风险'],
    D: ['d类', 'high risk', '信用风险高', '高', '高风险'],
    U: ['', '-', 'none', 'unclassified', '未分类', '未评级'],
  })) for (const w of [code.toLowerCase(), ...words]) RISK_CLASSES[w] = code;

  const PROVINCES = new Set(['11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33',
    '34', '35', '36', '37', '41', '42', '43', '44', '45', '46', '50', '51', '52', '53', '54',
    '61', '62', '63', '64', '65', '71', '81', '82']);

  function regionProblem(code) {
    if (!PROVINCES.has(code.slice(0, 2))) return 'no such province';
    if (code.slice(2, 4) === '00' && !['', '00'].includes(code.slice(4, 6))) return 'a county part under city part 00';
    if (code.slice(6, 9) === '000' && !['', '000'].includes(code.slice(9, 12))) return 'a village part under township part 000';
    return null;
  }

  const USCC = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const USCC_VALUE = new Int8Array(128).fill(-1);
  for (let k = 0; k < USCC.length; k++) USCC_VALUE[USCC.charCodeAt(k)] = k;
  const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

  /** §5: a USCC, a 15-digit registration number of an individual business, or any code. */
  const ID = /^[0-9A-Z][0-9A-Z._-]{0,31}$/;

  function idValid(code, kind) {
    if (!ID.test(code)) return false;
    if (kind === 'product' || kind === 'project') return true;
    if (kind === 'individual_business' && code.length === 15) {
      let check = 5;
      for (const ch of code) {
        if (ch < '0' || ch > '9') return false;
        check = (((check || 10) * 2) % 11 + (ch.charCodeAt(0) - 48)) % 10;
      }
      return check === 1;
    }
    if (code.length !== 18) return false;
    let total = 0;
    for (let i = 0; i < 18; i++) {
      const c = code.charCodeAt(i);
      const v = c < 128 ? USCC_VALUE[c] : -1;
      if (v < 0 || (i < 8 && v > 9)) return false;
      if (i < 17) total += v * USCC_WEIGHTS[i];
    }
    return code[17] === USCC[(31 - (total % 31)) % 31];
  }

  // strptime's patterns for the §13 date spellings (month and day may have one digit).
  const M = '(1[0-2]|0[1-9]|[1-9])';
  const D = '(3[01]|[12][0-9]|0[1-9]|[1-9]| [1-9])';
  const DATES = ['-', '/', '', '.'].map((sep) => new RegExp(`^([0-9]{4})${sep === '.' ? '\\.' : sep}${M}${sep === '.' ? '\\.' : sep}${D}$`, 'i'))
    .concat([new RegExp(`^([0-9]{4})年${M}月${D}日$`, 'i')]);

  function parseDate(text) {
    for (const pattern of DATES) {
      const m = pattern.exec(text);
      if (!m) continue;
      const y = +m[1];
      const mo = +m[2];
      const d = +m[3].trim();
      const days = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
      if (y >= 1 && d <= days[mo - 1]) {
        return `${m[1]}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
      }
    }
    return null;
  }

  /** A register file's text and encoding: UTF-8 (a leading BOM dropped), else GB18030 (§13). */
  function decodeRegister(bytes) {
    try {
      return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' };
    } catch (e) {
      try {
        return { text: new TextDecoder('gb18030', { fatal: true }).decode(bytes), encoding: 'gb18030' };
      } catch (e2) {
        throw new CannotCheck('目录文件既不是 UTF-8 也不是 GB18030 the directory is neither UTF-8 nor GB18030');
      }
    }
  }

  /**
   * Call row(cells, line) for each record of RFC 4180 CSV text, strictly (a quote closing a
   * field must be followed by the separator or the line's end; a quoted field must close).
   * Lines without a quote take a fast path.
   */
  function parseCsv(text, sep, row, progress) {
    const n = text.length;
    let i = 0;
    let line = 1;
    let tick = 0;
    // The next quote and carriage return at or after i (n when none): found once, not per line.
    let quote = -1;
    let cr = -1;
    while (i < n) {
      const start = line;
      let end = text.indexOf('\n', i);
      if (end < 0) end = n;
      let stop = end > i && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
      if (cr < i) { cr = text.indexOf('\r', i); if (cr < 0) cr = n; }
      if (cr < stop) stop = end = cr; // a lone CR ends a line too
      if (quote < i) { quote = text.indexOf('"', i); if (quote < 0) quote = n; }
      if (quote >= stop) {
        row(stop > i ? text.slice(i, stop).split(sep) : [], start, true);
        i = end + (end < n && text.charCodeAt(end) === 13 && text.charCodeAt(end + 1) === 10 ? 2 : 1);
        line++;
      } else {
        const cells = [];
        let cell = '';
        let state = 0; // 0 start of cell, 1 unquoted, 2 quoted, 3 quote in quoted
        for (;;) {
          if (i >= n) {
            if (state === 2) throw new CannotCheck(`第 ${start} 行 line ${start}: 引号未闭合 unexpected end of data inside quotes`);
            cells.push(cell);
            break;
          }
          const c = text[i++];
          if (state === 2) {
            if (c === '"') state = 3;
            else { if (c === '\n') line++; cell += c; }
          } else if (state === 3) {
            if (c === '"') { cell += '"'; state = 2; }
            else if (c === sep) { cells.push(cell); cell = ''; state = 0; }
            else if (c === '\n' || c === '\r') {
              cells.push(cell);
              if (c === '\r' && text[i] === '\n') i++;
              break;
            } else throw new CannotCheck(`第 ${line} 行 line ${line}: 引号后应为分隔符 '${sep}' expected after '"'`);
          } else if (c === sep) { cells.push(cell); cell = ''; state = 0; }
          else if (c === '\n' || c === '\r') {
            cells.push(cell);
            if (c === '\r' && text[i] === '\n') i++;
            break;
          } else if (state === 0 && c === '"') state = 2;
          else { cell += c; state = 1; }
        }
        row(cells, start, false);
        line++;
      }
      if (progress && ++tick === 20000) { tick = 0; progress(i, n); }
    }
  }

  /**
   * The directory of a §13.1 file as columns of canonical values (§5), and the canonical
   * order: {size, cols: {field: values}, order (row numbers sorted by id)}.
   */
  function readDirectory(text, progress) {
    const newline = text.indexOf('\n');
    const first = newline < 0 ? text : text.slice(0, newline);
    const sep = first.includes('\t') && !first.includes(',') ? '\t' : ',';
    const cols = {};
    for (const f of FIELDS) cols[f] = [];
    let fields = null;
    let width = 0;
    const caches = {};
    for (const f of FIELDS) caches[f] = new Map();
    const fail = (line, field, value, problem) => {
      throw new CannotCheck(`目录第 ${line} 行 directory line ${line}, field '${field}': ${JSON.stringify(value)} ${problem}`);
    };
    const text200 = (v, line, field, required) => {
      const t = trim(v.normalize('NFC'));
      if (required && !t) fail(line, field, v, 'is empty');
      if (CONTROL.test(t) || (t.length > 200 && codePoints(t) > 200)) fail(line, field, v, 'has a control character or more than 200 characters');
      return t;
    };
    // Canonical value of a cell of one field; repeated values (offices, regions…) are cached.
    const canon = {
      name: (v, line) => (v.length <= 200 && PLAIN.test(v) ? v : text200(v, line, 'name', true)),
      registering_office: (v, line) => text200(v, line, 'registering_office', false),
      supervising_office: (v, line) => text200(v, line, 'supervising_office', false),
      entity_type: (v, line) => {
        const code = ENTITY_TYPES[trim(v).toLowerCase()];
        return code === undefined ? fail(line, 'entity_type', v, 'is not a known entity type') : code;
      },
      risk_class: (v, line) => {
        const code = RISK_CLASSES[trim(v).toLowerCase()];
        return code === undefined ? fail(line, 'risk_class', v, 'is not a known risk class') : code;
      },
      region: (v, line) => {
        const code = text200(v, line, 'region', true).normalize('NFKC');
        if (!/^[0-9]{6}(?:[0-9]{3}(?:[0-9]{3})?)?$/.test(code) || regionProblem(code)) fail(line, 'region', v, 'is not an administrative division code');
        return code;
      },
      industry: (v, line) => {
        const code = text200(v, line, 'industry', false).normalize('NFKC').toUpperCase();
        if (code && !/^[A-T](?:[0-9]{2}(?:[0-9]{1,2})?)?$/.test(code)) fail(line, 'industry', v, 'is not a GB/T 4754 industry code');
        return code;
      },
      tags: (v, line) => {
        const labels = new Set();
        for (const part of v.split(/[;；|]/)) {
          if (!trim(part)) continue;
          const label = text200(part, line, 'tags', true);
          if (label.includes(',')) fail(line, 'tags', v, 'has a comma inside a tag');
          labels.add(label);
        }
        return [...labels].sort(byCodePoint).join(';');
      },
      last_check_date: (v, line) => {
        const t = trim(v);
        if (!t) return '';
        return parseDate(t) || fail(line, 'last_check_date', v, 'is not a date (YYYY-MM-DD)');
      },
    };
    const columns = FIELDS.map((f) => cols[f]);
    const cacheOf = FIELDS.map((f) => caches[f]);
    const canonOf = FIELDS.map((f) => canon[f]);
    let columnOf = null;
    let rows = 0;
    // Whether the canonical text is the file's own lines with tabs for commas (checked row by
    // row): then the digest is computed from the file's bytes (directoryDigest).
    let verbatim = sep === ',' && text.indexOf('\r') < 0;
    parseCsv(text, sep, (cells, line, plain) => {
      if (fields === null) {
        fields = cells.map((h) => HEADERS[trim(h).toLowerCase()] || (trim(h) ? undefined : null));
        const unknown = cells.filter((h, k) => fields[k] === undefined);
        const named = fields.filter((f) => f);
        const repeated = named.filter((f, k) => named.indexOf(f) !== k);
        const missing = ['id', 'name', 'entity_type', 'region'].filter((f) => !named.includes(f));
        if (unknown.length || repeated.length || missing.length) {
          throw new CannotCheck(`目录表头 directory header: columns unknown ${JSON.stringify(unknown)}, ` +
            `repeated ${JSON.stringify(repeated)}, missing ${JSON.stringify(missing)}`);
        }
        width = cells.length;
        columnOf = FIELDS.map((f) => fields.indexOf(f));
        verbatim = verbatim && plain && cells.join(',') === FIELDS.join(',');
        return;
      }
      if (!cells.some((c) => trim(c))) { verbatim = false; return; }
      verbatim = verbatim && plain;
      if (cells.length !== width) {
        throw new CannotCheck(`目录第 ${line} 行 directory line ${line}: ${cells.length} cells, the header has ${width}`);
      }
      // Field by field in FIELDS order (column j of the file, or none), without a row object.
      for (let j = 1; j < 10; j++) {
        const k = columnOf[j];
        const v = k < 0 ? '' : cells[k];
        const cache = cacheOf[j];
        let value = j === 1 ? undefined : cache.get(v);
        if (value === undefined) {
          value = canonOf[j](v, line);
          if (j !== 1 && cache.size < 50000) cache.set(v, value);
        }
        if (value !== v) verbatim = false;
        columns[j].push(value);
      }
      const kind = columns[2][rows];
      const v = cells[columnOf[0]];
      let id = ID.test(v) ? v : null;
      if (id === null) {
        id = text200((/^[\x00-\x7f]*$/.test(v) ? v : v.normalize('NFKC')).replace(TRIM, '').toUpperCase(), line, 'id', true);
      }
      if (!idValid(id, kind)) fail(line, 'id', v, `is not a valid identifier for an entity of type ${kind}`);
      if (id !== v) verbatim = false;
      cols.id.push(id);
      rows++;
    }, progress);
    if (fields === null) throw new CannotCheck('目录文件为空 the directory file is empty (a header line is needed)');
    // The canonical order: by id (ASCII after the checks, so code units order as bytes do).
    const ids = cols.id;
    let order = null;
    let sorted = true;
    for (let k = 1; k < rows && sorted; k++) sorted = ids[k - 1] < ids[k];
    if (sorted) {
      order = null; // already canonical: row k is the k-th target
    } else {
      order = Array.from({ length: rows }, (_, k) => k);
      order.sort((a, b) => (ids[a] < ids[b] ? -1 : ids[a] > ids[b] ? 1 : 0));
      for (let k = 1; k < rows; k++) {
        if (ids[order[k - 1]] === ids[order[k]]) throw new CannotCheck(`目录中编号重复 the directory lists id ${ids[order[k]]} twice`);
      }
    }
    return { size: rows, cols, order, verbatim: verbatim && order === null };
  }

  const MAGIC = 'random-inspection/target-directory/v1\n';

  /**
   * §5: "sha256:" and the hex SHA-256 of the canonical text, built into one buffer. When the
   * file is UTF-8 and readDirectory found every line canonical already (English header in
   * field order, canonical values, rows in canonical order, no quotes, CR or blank line), the
   * canonical text is the file's bytes with a tab for each comma (a comma byte never occurs
   * inside a multi-byte UTF-8 character): made from `utf8` without rebuilding the lines.
   */
  async function directoryDigest(dir, progress, utf8) {
    if (dir.verbatim && utf8) {
      let start = utf8[0] === 0xef && utf8[1] === 0xbb && utf8[2] === 0xbf ? 3 : 0;
      start = utf8.indexOf(10, start) + 1; // after the header line
      const head = encoder.encode(MAGIC + FIELDS.join('\t') + '\n');
      const body = start > 0 ? utf8.subarray(start) : new Uint8Array(0);
      const newline = body.length && body[body.length - 1] !== 10 ? 1 : 0;
      const all = new Uint8Array(head.length + body.length + newline);
      all.set(head);
      all.set(body, head.length);
      for (let k = head.length; k < all.length; k++) if (all[k] === 44) all[k] = 9;
      if (newline) all[all.length - 1] = 10;
      if (progress) progress(dir.size, dir.size);
      return 'sha256:' + hex(await sha256(all));
    }
    let buffer = new Uint8Array(Math.max(1 << 16, dir.size * 160));
    let used = 0;
    const put = (s) => {
      for (;;) {
        const r = encoder.encodeInto(s, buffer.subarray(used));
        used += r.written;
        if (r.read === s.length) return;
        s = s.slice(r.read);
        const bigger = new Uint8Array(Math.ceil(buffer.length * 1.5) + s.length * 3);
        bigger.set(buffer.subarray(0, used));
        buffer = bigger;
      }
    };
    put(MAGIC + FIELDS.join('\t') + '\n');
    const c = FIELDS.map((f) => dir.cols[f]);
    let chunk = [];
    for (let k = 0; k < dir.size; k++) {
      const r = dir.order === null ? k : dir.order[k];
      chunk.push(c[0][r] + '\t' + c[1][r] + '\t' + c[2][r] + '\t' + c[3][r] + '\t' + c[4][r] + '\t' +
        c[5][r] + '\t' + c[6][r] + '\t' + c[7][r] + '\t' + c[8][r] + '\t' + c[9][r] + '\n');
      if (chunk.length === 8192) {
        put(chunk.join(''));
        chunk = [];
        if (progress) progress(k + 1, dir.size);
      }
    }
    put(chunk.join(''));
    return 'sha256:' + hex(await sha256(buffer.subarray(0, used)));
  }

  // --- the frame (§6) ---------------------------------------------------------------------

  function frame(dir, design) {
    const s = design.scope;
    const c = dir.cols;
    const sets = {};
    for (const key of ['entity_types', 'risk_classes', 'registering_offices', 'supervising_offices']) sets[key] = new Set(s[key]);
    const since = design.exclude_checked_since;
    const reasons = Object.keys(design.excluded_ids).sort(byCodePoint);
    const listed = reasons.map((r) => new Set(design.excluded_ids[r]));
    const counts = { out_of_scope: 0, checked_since: since === null ? null : 0, excluded_ids: {} };
    for (const r of reasons) counts.excluded_ids[r] = 0;
    const strata = { A: [], B: [], C: [], D: [], U: [] };
    rows: for (let k = 0; k < dir.size; k++) {
      const r = dir.order === null ? k : dir.order[k];
      const tags = c.tags[r] ? c.tags[r].split(';') : [];
      const inScope =
        (!s.region_prefixes.length || s.region_prefixes.some((p) => c.region[r].startsWith(p))) &&
        (!s.industry_prefixes.length || s.industry_prefixes.some((p) => c.industry[r].startsWith(p))) &&
        (!sets.entity_types.size || sets.entity_types.has(c.entity_type[r])) &&
        (!sets.risk_classes.size || sets.risk_classes.has(c.risk_class[r])) &&
        s.tags_all.every((t) => tags.includes(t)) &&
        (!s.tags_any.length || s.tags_any.some((t) => tags.includes(t))) &&
        (!sets.registering_offices.size || sets.registering_offices.has(c.registering_office[r])) &&
        (!sets.supervising_offices.size || sets.supervising_offices.has(c.supervising_office[r]));
      if (!inScope) { counts.out_of_scope++; continue; }
      if (since !== null && c.last_check_date[r] && c.last_check_date[r] >= since) { counts.checked_since++; continue; }
      for (let j = 0; j < reasons.length; j++) {
        if (listed[j].has(c.id[r])) { counts.excluded_ids[reasons[j]]++; continue rows; }
      }
      strata[c.risk_class[r]].push(c.id[r]);
    }
    return { strata, counts };
  }

  // --- allocation (§7) --------------------------------------------------------------------

  class NoDraw extends Error {}

  function sizeAt(rate, N, min, max) { // n_h for an effective rate (capped at 1 here)
    let n = Number(qmin(ONE, rate).mul(N).ceil());
    n = Math.max(n, Math.min(min, N));
    if (max !== null) n = Math.min(n, max);
    return Math.min(n, N);
  }

  function stratified(design, pops) {
    const rates = CLASSES.map((c) => Q.parse(design.rates[c]));
    const mins = CLASSES.map((c) => design.minimums[c]);
    const maxs = CLASSES.map((c) => design.maximums[c]);
    const floor = Q.parse(design.floor);
    const total = pops.reduce((a, b) => a + b, 0);
    const need = Number(floor.mul(total).ceil());
    const sizes = (s) => CLASSES.map((_, h) => sizeAt(s.mul(rates[h]), pops[h], mins[h], maxs[h]));
    const sum = (xs) => xs.reduce((a, b) => a + b, 0);
    const notes = [];
    let scale = ONE;
    if (sum(sizes(ONE)) < need) {
      const most = sum(CLASSES.map((_, h) => sizeAt(rates[h].isZero() ? ZERO : ONE, pops[h], mins[h], maxs[h])));
      if (most < need) throw new NoDraw(`the floor needs ${need} targets, more than the rates can reach (${most})`);
      // The least point k/(r_h N_h) above 1 where the sizes meet the floor: in each class's
      // family of points the sizes grow with k, so a binary search finds its least point.
      let best = null;
      CLASSES.forEach((_, h) => {
        const r = rates[h];
        const N = pops[h];
        if (r.isZero() || N === 0) return;
        const base = r.mul(N);
        const point = (k) => new Q(BigInt(k)).div(base);
        let lo = Number(base.floor()) + 1;
        let hi = N;
        if (lo > hi || sum(sizes(point(hi))) < need) return;
        while (lo < hi) {
          const mid = Math.floor((lo + hi) / 2);
          if (sum(sizes(point(mid))) >= need) hi = mid; else lo = mid + 1;
        }
        const s = point(lo);
        if (best === null || s.cmp(best) < 0) best = s;
      });
      scale = best;
      notes.push({ code: 'floor_scaled', floor: floor.toString(), floor_count: need, population: total,
        rate_total: sum(sizes(ONE)), scale: scale.toString() });
    }
    const final = sizes(scale);
    const strata = CLASSES.map((c, h) => {
      const effective = qmin(ONE, scale.mul(rates[h]));
      const plain = Number(effective.mul(pops[h]).ceil());
      if (final[h] > plain) notes.push({ code: 'minimum', label: c, minimum: mins[h], rate_size: plain });
      else if (final[h] < Math.min(plain, pops[h])) notes.push({ code: 'maximum', label: c, maximum: maxs[h], rate_size: plain });
      if (final[h] === pops[h] && pops[h] > 0) notes.push({ code: 'certainty', label: c, population: pops[h] });
      return { label: c, population: pops[h], rate: rates[h].toString(), effective_rate: effective.toString(),
        size: final[h], inclusion_probability: (pops[h] ? new Q(BigInt(final[h]), BigInt(pops[h])) : ZERO).toString() };
    });
    const unrated = CLASSES.filter((c, h) => rates[h].isZero() && !mins[h] && pops[h]);
    if (unrated.length) {
      notes.push({ code: 'rate_zero', labels: unrated,
        population: sum(CLASSES.map((c, h) => (unrated.includes(c) ? pops[h] : 0))) });
    }
    return { strata, floor: floor.toString(), floor_count: need, scale: scale.toString(), adjustments: notes };
  }

  async function weighted(design, pops, uniform) {
    const weights = CLASSES.map((c) => Q.parse(design.weights[c]));
    const floor = Q.parse(design.floor);
    const population = pops.reduce((a, b) => a + b, 0);
    const need = Number(floor.mul(population).ceil());
    let total = design.total;
    const notes = [];
    if (total < need) {
      notes.push({ code: 'total_raised', floor: floor.toString(), floor_count: need, population, total });
      total = need;
    }
    if (total > pops.reduce((a, n, h) => a + (weights[h].isZero() ? 0 : n), 0)) {
      throw new NoDraw('the total exceeds the eligible targets with a positive weight');
    }
    const capped = new Set();
    let c;
    for (;;) {
      const free = [0, 1, 2, 3, 4].filter((h) => !weights[h].isZero() && !capped.has(h) && pops[h]);
      const mass = free.reduce((a, h) => a.add(weights[h].mul(pops[h])), ZERO);
      if (mass.isZero()) {
        c = ZERO;
        for (const h of capped) { const inv = ONE.div(weights[h]); if (inv.cmp(c) > 0) c = inv; }
        break;
      }
      let held = 0;
      for (const h of capped) held += pops[h];
      c = new Q(BigInt(total - held)).div(mass);
      const newly = free.filter((h) => c.mul(weights[h]).cmp(ONE) >= 0);
      if (!newly.length) break;
      for (const h of newly) capped.add(h);
    }
    const pis = [0, 1, 2, 3, 4].map((h) => (capped.has(h) ? ONE : qmin(ONE, c.mul(weights[h]))));
    const expected = pis.map((p, h) => p.mul(pops[h]));
    const sizes = expected.map((e) => Number(e.floor()));
    if (expected.some((e, h) => e.cmp(sizes[h]) !== 0)) {
      const start = await uniform();
      let low = ZERO;
      for (let h = 0; h < 5; h++) {
        const high = low.add(expected[h].sub(sizes[h]));
        if (new Q(low.sub(start).ceil()).cmp(high.sub(start)) < 0) sizes[h] += 1;
        low = high;
      }
      notes.push({ code: 'rounded', start: start.toString() });
    }
    const strata = CLASSES.map((label, h) => ({ label, population: pops[h], rate: pis[h].toString(),
      effective_rate: pis[h].toString(), size: sizes[h], inclusion_probability: (pops[h] ? pis[h] : ZERO).toString() }));
    return { strata, floor: floor.toString(), floor_count: need, scale: '1', adjustments: notes };
  }

  // --- Rivest's sampler (§4), SHA-256 in batches ------------------------------------------

  const BATCH = 4096;

  /** H(s ‖ "," ‖ i) for i = from … to − 1, in order: one WebCrypto call each, in a batch. */
  function hashes(prefix, from, to) {
    const calls = [];
    for (let i = from; i < to; i++) {
      const digits = String(i);
      const message = new Uint8Array(prefix.length + digits.length);
      message.set(prefix);
      for (let k = 0; k < digits.length; k++) message[prefix.length + k] = digits.charCodeAt(k);
      calls.push(crypto.subtle.digest('SHA-256', message));
    }
    return Promise.all(calls);
  }

  /** X mod N of a 256-bit big-endian number, in doubles (exact while N < 2^45). */
  function modulo(buffer, N) {
    const bytes = new Uint8Array(buffer);
    if (N < 2 ** 45) {
      let r = 0;
      for (let k = 0; k < 32; k++) r = (r * 256 + bytes[k]) % N;
      return r;
    }
    return Number(BigInt('0x' + hex(bytes)) % BigInt(N));
  }

  /** §4: n distinct positions of 1..N in draw order, from seed string s. */
  async function sample(s, N, n, progress) {
    const prefix = encoder.encode(s + ',');
    const taken = new Uint8Array(N + 1);
    const out = [];
    let i = 1;
    while (out.length < n) {
      const missing = n - out.length;
      // Expected draws for the missing positions (duplicates grow as the sample fills).
      const want = Math.min(BATCH, Math.ceil(missing * (1 + out.length / N)) + 8);
      const batch = await hashes(prefix, i, i + want);
      for (const h of batch) {
        const x = modulo(h, N) + 1;
        if (!taken[x]) {
          taken[x] = 1;
          out.push(x);
          if (out.length === n) break;
        }
      }
      i += want;
      if (progress) progress(out.length, n);
    }
    return out;
  }

  /** §4 without skipping: the positions X_i mod N + 1 for i = 1 … count (test vectors). */
  async function positions(s, N, count) {
    const batch = await hashes(encoder.encode(s + ','), 1, count + 1);
    return batch.map((h) => modulo(h, N) + 1);
  }

  async function uniformOf(s) { // §4: X_1 / 2^256, exact
    const h = await hashes(encoder.encode(s + ','), 1, 2);
    return new Q(BigInt('0x' + hex(new Uint8Array(h[0]))), 1n << 256n);
  }

  // --- comparing --------------------------------------------------------------------------

  /** The first place two plain values differ, as "path: recorded …, computed …". */
  function difference(recorded, computed, path) {
    if (canonical(recorded) === canonical(computed)) return null;
    const isObj = (v) => v && typeof v === 'object';
    if (Array.isArray(recorded) && Array.isArray(computed)) {
      for (let k = 0; k < Math.max(recorded.length, computed.length); k++) {
        if (k >= recorded.length || k >= computed.length) return `${path}: ${recorded.length} entries recorded, ${computed.length} computed`;
        const d = difference(recorded[k], computed[k], `${path}[${k}]`);
        if (d) return d;
      }
    } else if (isObj(recorded) && isObj(computed) && !Array.isArray(recorded) && !Array.isArray(computed)) {
      const keys = [...new Set([...Object.keys(recorded), ...Object.keys(computed)])].sort(byCodePoint);
      for (const k of keys) {
        if (!(k in recorded)) return `${path}.${k}: not recorded, computed ${canonical(computed[k])}`;
        if (!(k in computed)) return `${path}.${k}: recorded ${canonical(recorded[k])}, not computed`;
        const d = difference(recorded[k], computed[k], `${path}.${k}`);
        if (d) return d;
      }
    }
    return `${path}: recorded ${canonical(recorded).slice(0, 160)}, computed ${canonical(computed).slice(0, 160)}`;
  }

  // --- the verification -------------------------------------------------------------------

  /**
   * Verify a record against a directory. `load(which)` returns the bytes of "record" or
   * "directory"; `progress(stage, done, total)` reports. The result: {verdict, checks,
   * strata, notes} with verdict "verified", "not verified" or "cannot check" (§10.3).
   */
  async function verify(load, progress) {
    const checks = [];
    const strataOut = [];
    const notes = [];
    const add = (key, zh, en, status, detail) => checks.push({ key, zh, en, status, detail });
    const result = () => {
      const statuses = new Set([...checks.map((c) => c.status), ...strataOut.map((s) => s.status)]);
      const verdict = statuses.has('fail') ? 'not verified' : statuses.has('need') ? 'cannot check' : 'verified';
      return { verdict, checks, strata: strataOut, notes };
    };
    const report = progress || (() => {});
    let record;
    try {
      report('record', 0, null);
      record = readRecord(await load('record', report)).record;
    } catch (e) {
      if (e instanceof Altered) { add('record_format', '记录格式', 'record format', 'fail', e.message); return result(); }
      if (e instanceof CannotCheck) { add('record_format', '记录格式', 'record format', 'need', e.message); return result(); }
      throw e;
    }
    const content = {};
    for (const key of Object.keys(record)) if (key !== 'record_digest') content[key] = record[key];
    const digest = 'sha256:' + hex(await sha256(encoder.encode(canonical(content))));
    add('record_digest', '记录摘要', 'record digest', digest === record.record_digest ? 'ok' : 'fail',
      digest === record.record_digest ? digest : `recorded ${record.record_digest}, computed ${digest}`);
    let dir;
    let utf8 = null;
    try {
      const bytes = await load('directory', report);
      report('parse', 0, bytes.length);
      const decoded = decodeRegister(bytes);
      dir = readDirectory(decoded.text, (done, total) => report('parse', done, total));
      utf8 = decoded.encoding === 'utf-8' ? bytes : null;
    } catch (e) {
      if (!(e instanceof CannotCheck)) throw e;
      add('directory', '检查对象名录', 'target directory', 'need', e.message);
      return result();
    }
    report('digest', 0, dir.size);
    const dirDigest = await directoryDigest(dir, (done, total) => report('digest', done, total), utf8);
    add('directory_digest', '名录摘要', 'directory digest', dirDigest === record.directory.digest ? 'ok' : 'fail',
      dirDigest === record.directory.digest ? dirDigest : `recorded ${record.directory.digest}, computed ${dirDigest} from the file`);
    add('directory_size', '名录条数', 'directory size', dir.size === record.directory.size ? 'ok' : 'fail',
      dir.size === record.directory.size ? `${dir.size} targets` : `recorded ${record.directory.size}, the file has ${dir.size}`);
    const design = record.design;
    const problem = designProblem(design);
    if (problem) { add('design', '抽取设计', 'design', 'fail', 'not a valid design: ' + problem); return result(); }
    add('design', '抽取设计', 'design', 'ok', `${design.kind}, canonical and valid`);
    const { strata, counts } = frame(dir, design);
    const pops = CLASSES.map((c) => strata[c].length);
    const seed = record.seed.value;
    const purpose = record.purpose;
    const sm3 = record.hash === 'sm3';
    let allocation;
    try {
      if (!pops.some((n) => n)) throw new NoDraw('no eligible target (§6.4)');
      if (design.kind === 'stratified-by-risk') allocation = stratified(design, pops);
      else {
        allocation = await weighted(design, pops, async () => {
          if (sm3) throw new CannotCheck('the rounding stream uses SM3');
          return uniformOf(`${seed},${purpose},rounding`);
        });
      }
    } catch (e) {
      if (e instanceof NoDraw) { add('replay', '重放', 'replay', 'fail', 'the draw cannot be replayed: ' + e.message); return result(); }
      if (e instanceof CannotCheck) { add('allocation', '样本分配', 'allocation', 'need', '本记录用 SM3：浏览器无法重算取整 the record uses SM3, which browsers do not provide: check it with verifier.py'); return result(); }
      throw e;
    }
    const eligibility = difference(record.eligibility, counts, 'eligibility');
    add('eligibility', '排除与范围', 'eligibility', eligibility ? 'fail' : 'ok', eligibility ||
      `${counts.out_of_scope} out of scope` + (counts.checked_since === null ? '' : `, ${counts.checked_since} checked since ${design.exclude_checked_since}`) +
      Object.entries(counts.excluded_ids).map(([r, n]) => `, ${n} excluded (${r})`).join(''));
    const alloc = difference(record.allocation, allocation, 'allocation');
    add('allocation', '样本分配', 'allocation', alloc ? 'fail' : 'ok', alloc ||
      `floor ${allocation.floor} (${allocation.floor_count}), scale ${allocation.scale}, ${allocation.adjustments.length} adjustment(s)`);
    if (sm3) notes.push('本记录用 SM3 抽取，浏览器不提供 SM3，无法核对抽取结果；请用 verifier.py 核验。This record was drawn with SM3, which browsers do not provide: its selections cannot be checked here; check them with verifier.py.');
    for (let h = 0; h < 5; h++) {
      const label = CLASSES[h];
      const mine = record.strata[h];
      const size = allocation.strata[h].size;
      const N = pops[h];
      const seedString = `${seed},${purpose},${label}`;
      const row = { label, population: { recorded: mine.population, computed: N },
        size: { recorded: mine.size, computed: size }, seed_string: mine.seed_string === seedString, status: 'ok', detail: '' };
      const problems = [];
      if (mine.population !== N) problems.push(`population recorded ${mine.population}, computed ${N}`);
      if (mine.size !== size) problems.push(`size recorded ${mine.size}, computed ${size}`);
      if (!row.seed_string) problems.push(`seed string recorded ${JSON.stringify(mine.seed_string)}, computed ${JSON.stringify(seedString)}`);
      let drawn = null;
      if (size === N) drawn = strata[label].slice();
      else if (!sm3) {
        report('sample ' + label, 0, size);
        const positions = await sample(seedString, N, size, (done, total) => report('sample ' + label, done, total));
        drawn = positions.map((p) => strata[label][p - 1]);
      }
      if (drawn === null) {
        row.status = 'need';
        row.selection = null;
        row.detail = 'SM3: not checked in the browser';
      } else {
        let first = 0;
        const recorded = mine.selected;
        while (first < recorded.length && first < drawn.length && recorded[first] === drawn[first]) first++;
        const same = first === recorded.length && first === drawn.length;
        row.selection = same ? { agree: true, count: drawn.length }
          : { agree: false, draw: first + 1, recorded: first < recorded.length ? recorded[first] : null,
            drawn: first < drawn.length ? drawn[first] : null };
        if (!same) {
          problems.push(`selection differs at draw ${first + 1}: recorded ${first < recorded.length ? recorded[first] : '(nothing)'}, ` +
            `replayed ${first < drawn.length ? drawn[first] : '(nothing)'}`);
        }
      }
      if (problems.length) { row.status = 'fail'; row.detail = problems.join('; '); }
      strataOut.push(row);
    }
    if (record.teams !== undefined) {
      notes.push('本记录含检查组：浏览器不核验检查组，请用 verifier.py 核验。The record has inspection teams: the browser does not check them; verifier.py does.');
    }
    return result();
  }

  return { CannotCheck, Altered, Q, byCodePoint, canonical, readRecord, decodeRegister,
    readDirectory, directoryDigest, frame, stratified, weighted, sample, positions, uniformOf,
    verify };
}

/**
 * The Web Worker's side: {record, directory} sources (a URL or a File) in, progress and the
 * result out. A fetched file reports its download; a chosen file its reading.
 */
function riWorkerMain(RI, scope) {
  'use strict';
  let last = 0;
  const progress = (stage, done, total) => {
    const now = Date.now();
    if (done === 0 || done === total || now - last > 100) {
      last = now;
      scope.postMessage({ type: 'progress', stage, done, total });
    }
  };
  async function bytesOf(source, stage) {
    let stream;
    let total = null;
    if (source.file) {
      total = source.file.size;
      stream = source.file.stream();
    } else {
      let response;
      try {
        response = await fetch(source.url);
      } catch (e) {
        throw new RI.CannotCheck(`无法读取 cannot fetch ${source.name}: ${e.message} — ` +
          '从本地文件夹打开的页面请在下方选择文件 (a page opened from a folder: choose the files below)');
      }
      if (!response.ok) throw new RI.CannotCheck(`无法读取 cannot fetch ${source.name}: HTTP ${response.status}`);
      const length = response.headers.get('Content-Length');
      total = length ? Number(length) : null;
      stream = response.body;
    }
    const reader = stream.getReader();
    const parts = [];
    let got = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      got += value.length;
      progress(stage, got, total);
    }
    if (parts.length === 1) return parts[0];
    const all = new Uint8Array(got);
    let at = 0;
    for (const p of parts) { all.set(p, at); at += p.length; }
    return all;
  }
  scope.onmessage = async (event) => {
    const sources = event.data;
    try {
      const load = (which) => bytesOf(sources[which], which === 'record' ? 'record' : 'download');
      const result = await RI.verify(load, progress);
      scope.postMessage({ type: 'result', result });
    } catch (e) {
      const cannot = e instanceof RI.CannotCheck;
      scope.postMessage({ type: 'result', result: { verdict: 'cannot check', strata: [], notes: [],
        checks: [{ key: 'input', zh: '输入', en: 'input', status: cannot ? 'need' : 'fail',
          detail: cannot ? e.message : 'internal error: ' + (e && e.stack ? e.stack : e) }] } });
    }
  };
}
