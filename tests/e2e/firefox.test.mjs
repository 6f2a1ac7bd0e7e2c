// The single file in headless Firefox from file://: the engine starts (inlined wasm, blob:
// worker), the sample validates, builds, and the three downloads equal the CLI's bytes; a
// dropped virtio-win bundle gets its spec, and Download all gives the CLI's bytes.
// Needs Debian's firefox-esr (scripts/setup.sh installs it; FIREFOX overrides the binary).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { OUTPUTS, cliOutputs, root, virtioBundle, workDir } from './harness.mjs';
import { firefox } from './marionette.mjs';

const binary = process.env.FIREFOX || '/usr/bin/firefox-esr';
// A missing browser is a failure, not a skip: a silent skip would hide the check in CI.
if (!existsSync(binary)) throw new Error(`${binary} not installed: run scripts/setup.sh`);
let ff;

before(async () => { ff = await firefox(binary); });
after(async () => { if (ff) await ff.close(); });

/** Polls `fn` in the page until it returns a truthy value. */
async function until(fn, what, timeout = 60000) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await ff.run(fn);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The downloads the page kept in `window.__blobs` are the CLI's outputs `want`, by SHA-256. */
async function assertDownloadsEqual(want) {
  const got = await ff.run(async () => {
    const out = {};
    for (const [name, blob] of Object.entries(window.__blobs)) {
      const d = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
      out[name] = [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
    }
    return out;
  });
  for (const [key, name] of Object.entries(OUTPUTS)) assert.equal(got[name], want[key], `${name} equals the CLI's`);
}

test('single file from file:// in Firefox: sample builds, outputs equal to the CLI', async () => {
  const want = cliOutputs(['--sample'], workDir());
  await ff.navigate(`${pathToFileURL(join(root, 'dist', 'guestpack.html')).href}?download=1`);
  await until(() => document.documentElement.dataset.ready === '1'
    || /could not start/.test(document.getElementById('engine').textContent), 'the engine');
  assert.equal(await ff.run(() => document.documentElement.dataset.ready), '1',
    await ff.run(() => document.getElementById('engine').textContent));
  await ff.run(() => document.querySelector('[data-testid=sample-button]').click());
  await until(() => /^Accepted/.test(document.querySelector('[data-testid=check-status]').textContent), 'the check');
  await until(() => !document.querySelector('[data-testid=build-button]').disabled, 'the build button');
  await ff.run(() => document.querySelector('[data-testid=build-button]').click());
  await until(() => !document.querySelector('[data-testid=outputs]').hidden, 'the outputs');
  // Each download goes through URL.createObjectURL: keep the Blobs and hash them in the page.
  await ff.run(() => {
    window.__blobs = {};
    const create = URL.createObjectURL.bind(URL);
    URL.createObjectURL = (blob) => { window.__last = blob; return create(blob); };
    HTMLAnchorElement.prototype.click = function click() { window.__blobs[this.download] = window.__last; };
  });
  for (const key of Object.keys(OUTPUTS)) {
    await ff.run((k) => document.querySelector(`[data-testid=download-${k}]`).click(), key);
    await until(() => document.querySelectorAll('button.save:disabled').length === 0 && window.__blobs
      && Object.keys(window.__blobs).length > 0, 'a download');
  }
  await until(() => Object.keys(window.__blobs).length === 3, 'three downloads');
  await assertDownloadsEqual(want);
});

test('single file in Firefox: a dropped virtio-win bundle chooses its spec; Download all equals the CLI', async () => {
  const work = workDir();
  const bundle = virtioBundle(work);
  const want = cliOutputs(['--drivers-dir', bundle, '--spec', 'virtio-win-8.1.json', '--signing-policy', 'none'], work);
  await ff.navigate(`${pathToFileURL(join(root, 'dist', 'guestpack.html')).href}`);
  await until(() => document.documentElement.dataset.ready === '1', 'the engine');
  await ff.run(() => {
    const s = document.querySelector('[data-testid=signing-policy]');
    s.value = 'none';
    s.dispatchEvent(new Event('change'));
  });
  // Dropped on the page, as a user would (Firefox has no folder dialog: Download all).
  await ff.run((b64) => {
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], 'virtio-win-8.1-drivers.zip'));
    document.querySelector('main').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, readFileSync(bundle).toString('base64'));
  await until(() => document.querySelector('[data-testid=spec-select]').value === 'virtio-win-8.1.json'
    && document.querySelector('[data-testid=summary-bar]').dataset.inputs !== ''
    && /^Accepted/.test(document.querySelector('[data-testid=summary-status]').textContent), 'the spec chosen for the bundle');
  assert.match(await ff.run(() => document.querySelector('[data-testid=summary-counts]').textContent),
    /^13 of 13 driver folders per architecture/);
  await ff.run(() => {
    window.__blobs = {};
    const create = URL.createObjectURL.bind(URL);
    URL.createObjectURL = (blob) => { window.__last = blob; return create(blob); };
    HTMLAnchorElement.prototype.click = function click() { window.__blobs[this.download] = window.__last; };
    document.querySelector('[data-testid=primary-action]').click();
  });
  await until(() => document.querySelector('[data-testid=primary-action]').textContent === 'Download all', 'the build');
  await ff.run(() => document.querySelector('[data-testid=primary-action]').click());
  await until(() => /^Saved all three/.test(document.querySelector('[data-testid=summary-status]').textContent), 'Download all');
  await assertDownloadsEqual(want);
});
