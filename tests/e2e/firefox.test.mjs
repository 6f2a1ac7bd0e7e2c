// The single file in headless Firefox from file://: the engine starts (inlined wasm, blob:
// worker), the sample validates, builds, and the three downloads equal the CLI's bytes.
// Needs Debian's firefox-esr (scripts/setup.sh installs it; FIREFOX overrides the binary).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { OUTPUTS, cliOutputs, root, workDir } from './harness.mjs';
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
  const got = await ff.run(async () => {
    const out = {};
    for (const [name, blob] of Object.entries(window.__blobs)) {
      const d = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
      out[name] = [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
    }
    return out;
  });
  for (const [key, name] of Object.entries(OUTPUTS)) assert.equal(got[name], want[key], `${name} equals the CLI's`);
});
