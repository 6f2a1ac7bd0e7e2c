// Builds the web page from web/page/ and web/worker-api/ plus the wasm in pkg/no-modules/
// (run scripts/build-wasm.sh first). Writes:
//   dist/index.html + dist/assets/   the site, for any static server (`npm run serve`)
//   dist/guestpack.html              one self-contained file that also works from file://:
//                                    wasm and worker as base64 blocks, the worker started from
//                                    a blob: URL, every inline script pinned by a CSP hash.
// No bundler and no dependency: the page is plain files.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync, copyFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const read = (p) => readFileSync(join(root, p), 'utf8');
const page = 'web/page';
const api = 'web/worker-api';
const pkg = 'pkg/no-modules';

for (const p of [`${pkg}/guestpack.js`, `${pkg}/guestpack_bg.wasm`]) {
  try { statSync(join(root, p)); } catch {
    console.error(`build-web: ${p} missing; run scripts/build-wasm.sh first`);
    process.exit(1);
  }
}

const template = read(`${page}/index.html`);
const css = read(`${page}/style.css`);
// The page's scripts in load order: each later one uses what the earlier ones define.
const PAGE_SCRIPTS = ['view.js', 'summary.js', 'windows.js', 'specs.js', 'save.js', 'verify.js', 'app.js'];
const pageScripts = PAGE_SCRIPTS.map((name) => [name, read(`${page}/${name}`)]);
const client = read(`${api}/client.js`);
const worker = read(`${api}/guestpack-worker.js`);
const glue = read(`${pkg}/guestpack.js`);
const wasm = readFileSync(join(root, `${pkg}/guestpack_bg.wasm`));

// Directives both builds share: no plugins, no <base>, no form posts, nothing framed.
const common = "object-src 'none'; base-uri 'none'; form-action 'none'";

function fill(html, parts) {
  let out = html;
  for (const [marker, text] of Object.entries(parts)) {
    if (!out.includes(`<!--${marker}-->`)) throw new Error(`template lacks <!--${marker}-->`);
    out = out.replace(`<!--${marker}-->`, () => text);
  }
  return out;
}

// The site: same-origin files only. 'wasm-unsafe-eval' lets the page compile the module;
// blob: is allowed for workers only.
const siteCsp = `default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; ` +
  `connect-src 'self'; img-src 'self' data:; style-src 'self'; ${common}`;
rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, 'assets'), { recursive: true });
writeFileSync(join(dist, 'index.html'), fill(template, {
  CSP: `<meta http-equiv="Content-Security-Policy" content="${siteCsp}">`,
  STYLE: '<link rel="stylesheet" href="assets/style.css">',
  SCRIPTS: ['client.js', ...PAGE_SCRIPTS].map((n) => `<script src="assets/${n}"></script>`).join('\n'),
}));
writeFileSync(join(dist, 'assets/style.css'), css);
for (const [name, text] of pageScripts) writeFileSync(join(dist, `assets/${name}`), text);
writeFileSync(join(dist, 'assets/client.js'), client);
writeFileSync(join(dist, 'assets/guestpack-worker.js'), worker);
writeFileSync(join(dist, 'assets/guestpack.js'), glue);
copyFileSync(join(root, `${pkg}/guestpack_bg.wasm`), join(dist, 'assets/guestpack_bg.wasm'));
writeFileSync(join(dist, 'csp.txt'), siteCsp + '\n'); // read by scripts/serve-web.mjs

// The single file. Data blocks are <script> elements of a non-JS type: never executed, so
// CSP does not apply, and base64 cannot contain "</script". The worker is the glue followed
// by the worker code, as one classic script.
const sha = (text) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
const b64 = (buf) => buf.toString('base64').replace(/.{1,120}/g, '$&\n');
const workerSource = Buffer.from(`${glue}\n;\n${worker}`, 'utf8');
const scripts = [client, ...pageScripts.map(([, text]) => text)];
for (const s of scripts) {
  if (/<\/script/i.test(s) || /<!--/.test(s)) throw new Error('inline script contains "</script" or "<!--"');
}
const singleCsp = `default-src 'none'; script-src ${scripts.map(sha).join(' ')} 'wasm-unsafe-eval'; ` +
  `worker-src blob:; connect-src 'none'; img-src data:; style-src ${sha(css)}; ${common}`;
const single = fill(template, {
  CSP: `<meta http-equiv="Content-Security-Policy" content="${singleCsp}">`,
  STYLE: `<style>${css}</style>`,
  SCRIPTS: [
    `<script type="application/octet-stream" id="gp-wasm">\n${b64(wasm)}</script>`,
    `<script type="application/octet-stream" id="gp-worker">\n${b64(workerSource)}</script>`,
    ...scripts.map((s) => `<script>${s}</script>`),
  ].join('\n'),
});
writeFileSync(join(dist, 'guestpack.html'), single);

const size = (p) => statSync(join(dist, p)).size;
console.log(`build-web: dist/index.html + assets (wasm ${size('assets/guestpack_bg.wasm')} bytes)`);
console.log(`build-web: dist/guestpack.html (${size('guestpack.html')} bytes, self-contained)`);
