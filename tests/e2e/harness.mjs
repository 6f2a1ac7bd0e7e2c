// Shared set-up for the page tests: the native CLI as the reference, input bundles made at
// test time, the static server, headless Chromium through playwright-core, and recording of
// every request and download. The page itself must already be built (`npm run build`).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launchChromium, serveWeb } from '../../scripts/browser.mjs';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const targetDir = process.env.CARGO_TARGET_DIR || join(root, 'target');
export const screenshotDir = join(root, 'target', 'screenshots');
export const OUTPUTS = { iso: 'guest-tools.iso', zip: 'guest-tools.zip', manifest: 'manifest.json' };

export const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** Path of the release CLI, built first when missing. */
export function cli() {
  const bin = join(targetDir, 'release', 'guestpack');
  if (!existsSync(bin)) {
    execFileSync('cargo', ['build', '--release', '--bin', 'guestpack'], { cwd: root, stdio: 'inherit' });
  }
  return bin;
}

/**
 * Runs the CLI into a fresh directory; returns {key: sha256} of its three outputs. The
 * environment's SOURCE_DATE_EPOCH is removed so only the flags decide, as on the page.
 */
export function cliOutputs(args, work) {
  const out = mkdtempSync(join(work, 'cli-'));
  const env = { ...process.env };
  delete env.SOURCE_DATE_EPOCH;
  execFileSync(cli(), [...args, '--out-dir', out, '--quiet'], { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const hashes = {};
  for (const [key, name] of Object.entries(OUTPUTS)) hashes[key] = sha256(readFileSync(join(out, name)));
  return hashes;
}

/** The certificate that signed the real virtio-win catalogs (DER), taken out of one. */
export function virtioSigner(work) {
  const cat = join(root, '..', 'shared', 'data', 'virtio-win-8.1', 'drivers', 'amd64', 'viostor', 'viostor.cat');
  const pem = execFileSync('openssl', ['pkcs7', '-inform', 'DER', '-print_certs', '-in', cat]);
  const out = join(work, 'virtio-signer.cer');
  execFileSync('openssl', ['x509', '-outform', 'DER', '-out', out], { input: pem });
  return out;
}

/**
 * The repository's guest-tools payload with `certs` ({name: path of a certificate file}) in
 * certs/, as a folder and as a zip (what the page takes): {dir, zip}.
 */
export function guestToolsWith(work, name, certs) {
  const dir = join(work, `gt-${name}`);
  cpSync(join(root, 'guest-tools'), dir, { recursive: true });
  mkdirSync(join(dir, 'certs'), { recursive: true });
  for (const [file, from] of Object.entries(certs)) cpSync(from, join(dir, 'certs', file));
  const zip = join(work, `gt-${name}.zip`);
  execFileSync('python3', ['-c', `
import os, sys, zipfile
src, out = sys.argv[1:3]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as o:
    for base, dirs, files in sorted(os.walk(src)):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(base, f)
            o.write(p, os.path.relpath(p, src))
`, dir, zip]);
  return { dir, zip };
}

/** A temporary directory for one test run. */
export function workDir() {
  return mkdtempSync(join(tmpdir(), 'guestpack-e2e-'));
}

/** The real driver set zipped as a user would drop it (scripts/make-virtio-bundle.sh). */
export function virtioBundle(work) {
  return execFileSync('bash', [join(root, 'scripts/make-virtio-bundle.sh'), join(work, 'virtio-win-8.1-drivers.zip')],
    { cwd: root, encoding: 'utf8' }).trim();
}

/**
 * The real drivers re-laid the way virtio-win's ISO has them, `<Driver>/<os>/<arch>/…`, for
 * two OS folders (w8.1 and w10, the same files), as an ISO made with xorriso. Packaging it with
 * `os: w8.1` must give the per-arch tree's bytes.
 */
export function virtioIso(work) {
  const stage = join(work, 'virtio-win-stage');
  const drivers = join(root, '..', 'shared', 'data', 'virtio-win-8.1', 'drivers');
  const case_ = { netkvm: 'NetKVM', balloon: 'Balloon' };
  for (const arch of readdirSync(drivers)) {
    for (const drv of readdirSync(join(drivers, arch))) {
      for (const os of ['w8.1', 'w10']) {
        const dest = join(stage, case_[drv] || drv, os, arch);
        mkdirSync(dest, { recursive: true });
        execFileSync('cp', ['-r', `${join(drivers, arch, drv)}/.`, dest]);
      }
    }
  }
  const iso = join(work, 'virtio-win-two-os.iso');
  execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-J', '-joliet-long', '-V', 'VIRTIO_WIN', '-o', iso, stage], { stdio: ['ignore', 'ignore', 'pipe'] });
  return iso;
}

/**
 * Installer fixtures (examples/tool_fixtures.rs) in `work/tool-fixtures`: the QEMU guest agent's
 * two packages (real MSI databases), an x86 and an amd64 program; returns the folder.
 */
export function toolFixtures(work) {
  const dir = join(work, 'tool-fixtures');
  execFileSync('cargo', ['run', '--release', '--quiet', '--example', 'tool_fixtures', '--', dir], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  return dir;
}

/**
 * The real drivers as virtio-win's ISO lays them out, under w8.1 (the Windows their catalogs
 * are for), plus guest-agent/ holding `agent` ([name on the ISO, host path] pairs), as an ISO
 * made with xorriso: `work/<name>.iso`.
 */
export function virtioIsoWithAgent(work, name, agent) {
  const stage = join(work, `${name}-stage`);
  const drivers = join(root, '..', 'shared', 'data', 'virtio-win-8.1', 'drivers');
  for (const arch of readdirSync(drivers)) {
    for (const drv of readdirSync(join(drivers, arch))) {
      const dest = join(stage, drv, 'w8.1', arch);
      mkdirSync(dest, { recursive: true });
      execFileSync('cp', ['-r', `${join(drivers, arch, drv)}/.`, dest]);
    }
  }
  mkdirSync(join(stage, 'guest-agent'), { recursive: true });
  for (const [file, from] of agent) copyFileSync(from, join(stage, 'guest-agent', file));
  const iso = join(work, `${name}.iso`);
  execFileSync('xorriso', ['-as', 'mkisofs', '-quiet', '-J', '-joliet-long', '-V', 'VIRTIO_WIN', '-o', iso, stage], { stdio: ['ignore', 'ignore', 'pipe'] });
  return iso;
}

/**
 * Media to verify: the CLI's outputs for `args` in a directory of their own, plus a copy of
 * the zip with one byte of `flip` changed, `drop` left out and an `extra` file added.
 */
export function mediaToVerify(args, work, { flip, drop, extra }) {
  const out = mkdtempSync(join(work, 'verify-'));
  const env = { ...process.env };
  delete env.SOURCE_DATE_EPOCH;
  execFileSync(cli(), [...args, '--out-dir', out, '--quiet'], { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const tampered = join(out, 'tampered.zip');
  execFileSync('python3', ['-c', `
import sys, zipfile
src, out, flip, drop, extra = sys.argv[1:6]
with zipfile.ZipFile(src) as z, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as o:
    for info in z.infolist():
        if info.filename == drop:
            continue
        data = bytearray(z.read(info))
        if info.filename == flip:
            data[len(data) // 2] ^= 0x01
        o.writestr(info.filename, bytes(data))
    o.writestr(extra, b"not on the original media\\r\\n")
`, join(out, OUTPUTS.zip), tampered, flip, drop, extra]);
  return { iso: join(out, OUTPUTS.iso), zip: join(out, OUTPUTS.zip), manifest: join(out, OUTPUTS.manifest), tampered };
}

/**
 * A broken copy of a bundle: every file under `<wrapper>/amd64/<dropDriver>/` left out and a
 * private key added at `addKey` (a path inside the zip).
 */
export function brokenBundle(good, out, dropDriver, addKey) {
  execFileSync('python3', ['-c', `
import sys, zipfile
src, out, drop, key = sys.argv[1:5]
with zipfile.ZipFile(src) as z, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as o:
    for info in z.infolist():
        parts = info.filename.split("/")
        if len(parts) > 2 and parts[1] == "amd64" and parts[2] == drop:
            continue
        o.writestr(info, z.read(info))
    o.writestr(key, b"0\\x82 not really a key")
`, good, out, dropDriver, addKey]);
  return out;
}

/**
 * A copy of a bundle with one byte of `member` (its path after the wrapper folder) flipped at
 * `offset`: a file changed after it was signed.
 */
export function tamperedBundle(good, out, member, offset) {
  execFileSync('python3', ['-c', `
import sys, zipfile
src, out, member, offset = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
with zipfile.ZipFile(src) as z, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as o:
    for info in z.infolist():
        data = z.read(info)
        if info.filename.split("/", 1)[-1] == member:
            data = data[:offset] + bytes([data[offset] ^ 0xFF]) + data[offset + 1:]
        o.writestr(info, data)
`, good, out, member, String(offset)]);
  return out;
}

/** Starts scripts/serve-web.mjs on a free port; resolves to {url, stop()}. */
export const serve = serveWeb;

/**
 * Stands in for the browser's save dialog (headless Chromium cannot answer one): records how
 * the page streams into the writable (chunk count and sizes, close or abort) and keeps the
 * bytes for hashing. Each write takes \`window.__writeDelay\` ms, like a slow disk.
 */
export function fakeSavePicker() {
  window.__saved = {};
  window.__writeDelay = 0;
  window.showSaveFilePicker = async ({ suggestedName }) => ({
    name: suggestedName,
    async createWritable() {
      const rec = { chunks: 0, maxChunk: 0, bytes: 0, closed: false, aborted: false, parts: [] };
      window.__saved[suggestedName] = rec;
      return new WritableStream({
        async write(chunk) {
          // Bytes or a Blob (of slices of the input and of kept bytes), as the page writes them.
          const size = chunk instanceof Blob ? chunk.size : chunk.byteLength;
          rec.chunks++;
          rec.maxChunk = Math.max(rec.maxChunk, size);
          rec.bytes += size;
          rec.parts.push(chunk.slice());
          if (window.__writeDelay) await new Promise((r) => setTimeout(r, window.__writeDelay));
        },
        close() { rec.closed = true; },
        abort() {
          rec.aborted = true;
          // Set by a test (an exposed binding) to learn of an abort after the page is gone.
          if (typeof window.__onSaveAbort === 'function') window.__onSaveAbort(suggestedName);
        },
      });
    },
  });
}

/**
 * Stands in for the folder dialog of "Save all": keeps what the page writes into each file
 * (`window.__folder[name]`: parts, how many were Blobs, closed).
 */
export function fakeFolderPicker() {
  window.__folder = {};
  window.showDirectoryPicker = async () => ({
    name: 'media',
    async getFileHandle(name) {
      return {
        name,
        async createWritable() {
          const rec = { parts: [], blobs: 0, closed: false };
          window.__folder[name] = rec;
          return new WritableStream({
            write(chunk) {
              if (chunk instanceof Blob) rec.blobs++;
              rec.parts.push(chunk.slice());
            },
            close() { rec.closed = true; },
          });
        },
      };
    },
  });
}

export const launch = launchChromium;

/**
 * The static server and a headless Chromium for one test file: {server, pages, browser,
 * stop()}, `pages` being the page in its two shapes (see targets()).
 */
export async function session() {
  const server = await serve();
  const browser = await launch();
  return { server, browser, pages: targets(server), stop: async () => { await browser.close(); server.stop(); } };
}

/** The page under test in its two shapes. */
export function targets(server) {
  return {
    site: { label: 'site', url: (q = '') => `${server.url}index.html${q}` },
    file: { label: 'file', url: (q = '') => `${pathToFileURL(join(root, 'dist', 'guestpack.html')).href}${q}` },
  };
}

/**
 * Opens the page in a fresh context, recording every request and page error. Resolves once
 * the engine is ready (the page sets data-ready on <html>).
 */
// `init`: a function (or several) run in the page before its scripts.
export async function open(browser, target, { query = '?download=1', viewport, colorScheme, init } = {}) {
  const context = await browser.newContext({ acceptDownloads: true, viewport: viewport || { width: 1280, height: 900 }, colorScheme });
  for (const script of [].concat(init || [])) await context.addInitScript(script);
  const page = await context.newPage();
  const requests = [];
  const errors = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  context.on('request', (r) => { if (!requests.includes(r.url())) requests.push(r.url()); });
  await page.goto(target.url(query));
  await page.waitForSelector('html[data-ready="1"]', { timeout: 30000 });
  return { page, context, requests, errors };
}

/** Waits until the check for the current inputs has finished (accepted or rejected). */
export async function checked(page) {
  await page.waitForFunction(() => {
    const s = document.querySelector('[data-testid=check-status]').textContent;
    return /^(Accepted|Rejected)/.test(s) || !document.querySelector('[data-testid=fatal]').hidden;
  }, null, { timeout: 60000 });
}

/** Changes an input and waits for the verdict on the inputs after that change. */
export async function recheck(page, action) {
  const shown = () => page.getAttribute('[data-testid=check-status]', 'data-inputs');
  const before = Number(await shown()) || 0;
  await action();
  await page.waitForFunction((b) => Number(document.querySelector('[data-testid=check-status]').dataset.inputs) > b,
    before, { timeout: 60000 });
  await checked(page);
}

/** Clicks one save control and returns the downloaded bytes and suggested file name. */
export async function download(page, testid) {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 60000 }), page.click(`[data-testid=${testid}]`)]);
  const path = await dl.path();
  return { name: dl.suggestedFilename(), bytes: readFileSync(path) };
}

export async function screenshot(page, name, { fullPage = true } = {}) {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage });
}

export function listScreenshots() {
  return existsSync(screenshotDir) ? readdirSync(screenshotDir) : [];
}
