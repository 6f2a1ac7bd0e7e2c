// The page timed as a user waits: from dropping the bundle to the last byte of the three
// outputs saved, in headless Chromium. Used by scripts/bench.mjs; needs the built page (dist/).
//
// Two ways to save, as the page offers them:
// - downloads (`?download=1`, what browsers without a save dialog get): each output collected
//   into a Blob and handed to the browser's download manager, which writes it to disk;
// - the save dialog: each output streamed chunk by chunk into a FileSystemWritableFileStream.
//   Headless Chromium cannot answer a dialog, so a stand-in `showSaveFilePicker` returns a file
//   in the origin-private file system, which Chromium writes to disk like any picked file.
import { readFileSync } from 'node:fs';
import { launchChromium, serveWeb } from './browser.mjs';

const OUTPUTS = { iso: 'guest-tools.iso', zip: 'guest-tools.zip', manifest: 'manifest.json' };

// Runs in the page before its scripts: timestamps, on the page's own clock, of what the user
// does (drop, choose, click) and of what the page shows in answer, so that the time the page
// works can be told from the time the test harness takes to act on it.
function pageClock() {
  const t = (window.__marks = {});
  const mark = (name) => { if (t[name] === undefined) t[name] = performance.now(); };
  document.addEventListener('change', (e) => {
    if (e.target.id === 'bundle-input') mark('drop');
    if (e.target.id === 'os-select') mark('chose');
  }, true);
  document.addEventListener('click', (e) => {
    const b = e.target.closest && e.target.closest('button');
    if (b && b.id === 'build-button') mark('click-build');
    if (b && b.dataset.testid && b.dataset.testid.startsWith('download-')) mark(`click-${b.dataset.testid.slice(9)}`);
  }, true);
  new MutationObserver(() => {
    const select = document.getElementById('os-select');
    if (t.drop !== undefined && select && select.options.length > 1) mark('menu');
    const status = document.querySelector('[data-testid=check-status]');
    if (status && /^Accepted/.test(status.textContent) && (t.chose !== undefined || t.menu === undefined)) mark('accepted');
    const outputs = document.querySelector('[data-testid=outputs]');
    if (t['click-build'] !== undefined && outputs && !outputs.hidden) mark('built');
  }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
}

// Runs in the page before its scripts: the stand-in save dialog, writing into the origin's
// private file system and recording when each file is closed (its last byte on disk).
function opfsPicker() {
  window.__closed = {};
  window.showSaveFilePicker = async ({ suggestedName }) => {
    const dir = await navigator.storage.getDirectory();
    const handle = await dir.getFileHandle(suggestedName, { create: true });
    return {
      name: suggestedName,
      async createWritable() {
        const real = await handle.createWritable();
        return new WritableStream({
          write: (chunk) => real.write(chunk),
          close: async () => { await real.close(); window.__closed[suggestedName] = performance.now(); },
          abort: (reason) => real.abort(reason),
        });
      },
    };
  };
}

/**
 * One timed run. `bundle` and `spec` are paths; `how` is 'download' or 'dialog'; `os` the
 * Windows version to choose once the page offers the bundle's OS folders (a multi-OS tree).
 * Resolves to {wall, page, phases: {check, build, save}, sizes, manifest} (seconds; manifest
 * as text). `wall` runs from the drop to the last byte saved, the harness's own time to act
 * included (waiting for an element, clicking: about 0.1-0.3 s each); `page` and the phases are
 * the page's working time alone, on its own clock: drop to OS menu, choice to "Accepted"
 * (drop to "Accepted" without a menu), Build click to the Save buttons, each Save click to
 * that file's last byte on disk.
 */
export async function benchPage({ bundle, spec, how, policy = 'none', os = null }) {
  const server = await serveWeb();
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
    await context.addInitScript(pageClock);
    if (how === 'dialog') await context.addInitScript(opfsPicker);
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}index.html${how === 'download' ? '?download=1' : ''}`);
    await page.waitForSelector('html[data-ready="1"]', { timeout: 60000 });
    // The user's spec and policy are chosen first; the clock starts with the drop.
    await page.selectOption('[data-testid=signing-policy]', policy);
    await page.setInputFiles('[data-testid=spec-input]', spec);
    const t0 = performance.now();
    await page.setInputFiles('[data-testid=bundle-input]', bundle);
    if (os) {
      // The first check finds several OS folders and offers them; the user picks one.
      await page.waitForSelector(`[data-testid=os-select] option[value="${os}"]`, { state: 'attached', timeout: 600000 });
      await page.selectOption('[data-testid=os-select]', os);
    }
    // Nothing was accepted before the bundle arrived, so this waits for this bundle's check.
    await page.waitForFunction(() => /^(Accepted|Rejected)/.test(document.querySelector('[data-testid=check-status]').textContent)
      || !document.querySelector('[data-testid=fatal]').hidden, null, { timeout: 600000 });
    const status = await page.textContent('[data-testid=check-status]');
    if (!/^Accepted/.test(status)) throw new Error(`the page did not accept the payload: ${status}`);
    await page.click('[data-testid=build-button]');
    await page.waitForSelector('[data-testid=outputs]:not([hidden])', { timeout: 600000 });
    const sizes = {};
    const savedAt = {}; // page clock
    let manifest = '';
    // The page's clock against ours, for the downloads, whose end only we see.
    const offset = async () => {
      const before = performance.now();
      const at = await page.evaluate(() => performance.now());
      return at - (before + performance.now()) / 2;
    };
    const skew = await offset();
    for (const [key, name] of Object.entries(OUTPUTS)) {
      if (how === 'download') {
        const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 600000 }), page.click(`[data-testid=download-${key}]`)]);
        const file = await dl.path(); // resolves once the browser has written the last byte
        savedAt[key] = performance.now() + skew;
        const bytes = readFileSync(file);
        sizes[key] = bytes.length;
        if (key === 'manifest') manifest = bytes.toString('utf8');
      } else {
        await page.click(`[data-testid=download-${key}]`);
        await page.waitForFunction((n) => window.__closed[n] !== undefined, name, { timeout: 600000 });
        savedAt[key] = await page.evaluate((n) => window.__closed[n], name);
        const got = await page.evaluate(async (n) => {
          const f = await (await (await navigator.storage.getDirectory()).getFileHandle(n)).getFile();
          return { size: f.size, text: n.endsWith('.json') ? await f.text() : '' };
        }, name);
        sizes[key] = got.size;
        if (key === 'manifest') manifest = got.text;
      }
    }
    const tSaved = performance.now();
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    const m = await page.evaluate(() => window.__marks);
    await context.close();
    for (const k of ['drop', 'accepted', 'click-build', 'built', ...Object.keys(OUTPUTS).map((o) => `click-${o}`)]) {
      if (m[k] === undefined) throw new Error(`bench-page: the page never showed "${k}"`);
    }
    const s = (ms) => ms / 1000;
    const check = os ? (m.menu - m.drop) + (m.accepted - m.chose) : m.accepted - m.drop;
    const build = m.built - m['click-build'];
    const save = Object.keys(OUTPUTS).reduce((sum, k) => sum + (savedAt[k] - m[`click-${k}`]), 0);
    return {
      wall: s(tSaved - t0),
      page: s(check + build + save),
      phases: { check: s(check), build: s(build), save: s(save) },
      sizes,
      manifest,
    };
  } finally {
    await browser.close();
    server.stop();
  }
}
