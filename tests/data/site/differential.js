// Run by test_site_browser.py: verify each record (base64, arguments[1]) against one
// directory (base64, arguments[0]) with riDrawSpec().verify; the verdict of each.
const done = arguments[arguments.length - 1];
const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const directory = bytes(arguments[0]);
const RI = riDrawSpec();
(async () => {
  const verdicts = [];
  for (const record of arguments[1]) {
    const data = bytes(record);
    const result = await RI.verify(async (which) => (which === 'record' ? data : directory), null);
    verdicts.push(result.verdict);
  }
  done(verdicts);
})().catch((e) => done([String(e && e.stack || e)]));
