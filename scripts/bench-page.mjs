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
    if (b && b.id === 'save-all') mark('click-all');
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
  const file = async (name) => {
    const dir = await navigator.storage.getDirectory();
    const handle = await dir.getFileHandle(name, { create: true });
    return {
      name,
      async createWritable() {
        const real = await handle.createWritable();
        return new WritableStream({
          write: (chunk) => real.write(chunk),
          close: async () => { await real.close(); window.__closed[name] = performance.now(); },
          abort: (reason) => real.abort(reason),
        });
      },
    };
  };
  window.showSaveFilePicker = async ({ suggestedName }) => file(suggestedName);
  // "Save all into a folder…": the origin's private folder stands in for the chosen one.
  window.showDirectoryPicker = async () => ({ name: 'media', getFileHandle: (name) => file(name) });
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
export async function benchPage({ bundle, spec, how, policy = 'none', os = null, save = 'all' }) {
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
    const check = async (key, name) => {
      const got = await page.evaluate(async (n) => {
        const f = await (await (await navigator.storage.getDirectory()).getFileHandle(n)).getFile();
        return { size: f.size, text: n.endsWith('.json') ? await f.text() : '' };
      }, name);
      sizes[key] = got.size;
      if (key === 'manifest') manifest = got.text;
    };
    if (save === 'all' && how === 'download') {
      // "Download all three": one click, three downloads at once.
      const downloads = [];
      const all = new Promise((resolve) => {
        page.on('download', (dl) => { downloads.push(dl); if (downloads.length === 3) resolve(); });
      });
      await page.click('#save-all');
      await Promise.race([all, new Promise((_, reject) => setTimeout(() => reject(new Error('bench-page: the three downloads did not start')), 600000))]);
      await Promise.all(downloads.map(async (dl) => {
        const file = await dl.path(); // resolves once the browser has written the last byte
        const key = Object.keys(OUTPUTS).find((k) => OUTPUTS[k] === dl.suggestedFilename());
        savedAt[key] = performance.now() + skew;
        const bytes = readFileSync(file);
        sizes[key] = bytes.length;
        if (key === 'manifest') manifest = bytes.toString('utf8');
      }));
    } else if (save === 'all') {
      // "Save all into a folder…": one click, the three streamed at once.
      await page.click('#save-all');
      for (const [key, name] of Object.entries(OUTPUTS)) {
        await page.waitForFunction((n) => window.__closed[n] !== undefined, name, { timeout: 600000 });
        savedAt[key] = await page.evaluate((n) => window.__closed[n], name);
        await check(key, name);
      }
    }
    for (const [key, name] of save === 'all' ? [] : Object.entries(OUTPUTS)) {
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
        await check(key, name);
      }
    }
    const tSaved = performance.now();
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    const m = await page.evaluate(() => window.__marks);
    await context.close();
    const clicks = save === 'all' ? ['click-all'] : Object.keys(OUTPUTS).map((o) => `click-${o}`);
    for (const k of ['drop', 'accepted', 'click-build', 'built', ...clicks]) {
      if (m[k] === undefined) throw new Error(`bench-page: the page never showed "${k}"`);
    }
    const s = (ms) => ms / 1000;
    const checking = os ? (m.menu - m.drop) + (m.accepted - m.chose) : m.accepted - m.drop;
    const build = m.built - m['click-build'];
    const clicked = (k) => m[save === 'all' ? 'click-all' : `click-${k}`];
    const saving = save === 'all'
      ? Math.max(...Object.keys(OUTPUTS).map((k) => savedAt[k])) - m['click-all']
      : Object.keys(OUTPUTS).reduce((sum, k) => sum + (savedAt[k] - clicked(k)), 0);
    return {
      wall: s(tSaved - t0),
      page: s(checking + build + saving),
      phases: { check: s(checking), build: s(build), save: s(saving) },
      // Each file from the click to its last byte (all three from the one click with `all`).
      saves: Object.fromEntries(Object.keys(OUTPUTS).map((k) => [k, s(savedAt[k] - clicked(k))])),
      sizes,
      manifest,
    };
  } finally {
    await browser.close();
    server.stop();
  }
}
