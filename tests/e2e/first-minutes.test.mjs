// The page's first minutes, in headless Chromium, hosted and from file://: the spec follows
// the dropped bundle, the summary bar says what the media will hold and offers the next step,
// results of old inputs go when the inputs change, files dropped anywhere are taken (in verify
// mode too), Save all writes the CLI's bytes into one folder, progress moves through one big
// file, and a spec made from the bundle is used at once.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OUTPUTS, cli, cliOutputs, fakeFolderPicker, open, session, virtioBundle, workDir } from './harness.mjs';

const work = workDir();
let run, browser, pages, bundle, bigBundle, emptyZip, sampleDir, want;

/**
 * Waits for the summary bar's verdict on the inputs after `action` (the bar carries the
 * inputs' generation), and, with `spec`, for that verdict to be about that spec.
 */
async function settled(page, action, { spec } = {}) {
  const before = Number(await page.getAttribute('[data-testid=summary-bar]', 'data-inputs')) || 0;
  await action();
  await page.waitForFunction(({ b, want }) => {
    const n = document.querySelector('[data-testid=summary-bar]').dataset.inputs;
    return n !== '' && Number(n) > b && (!want || document.querySelector('[data-testid=spec-select]').value === want);
  }, { b: before, want: spec || null }, { timeout: 120000 });
}

const status = (page) => page.textContent('[data-testid=summary-status]');
const counts = (page) => page.textContent('[data-testid=summary-counts]');

before(async () => {
  bundle = virtioBundle(work);
  // The real drivers plus one 100 MiB file of random bytes, stored: a single big file.
  bigBundle = join(work, 'big.zip');
  execFileSync('python3', ['-c', `
import os, shutil, sys, zipfile
shutil.copy(sys.argv[1], sys.argv[2])
z = zipfile.ZipFile(sys.argv[2], 'a', zipfile.ZIP_STORED)
top = z.namelist()[0].split('/')[0]
z.writestr(top + '/amd64/viostor/firmware.bin', os.urandom(100 << 20))
z.close()`, bundle, bigBundle]);
  emptyZip = join(work, 'empty.zip');
  execFileSync('python3', ['-c', 'import sys, zipfile; zipfile.ZipFile(sys.argv[1], "w").close()', emptyZip]);
  want = {
    virtioNone: cliOutputs(['--drivers-dir', bundle, '--spec', 'virtio-win-8.1.json', '--signing-policy', 'none'], work),
  };
  sampleDir = join(work, 'sample-media');
  execFileSync(cli(), ['--sample', '--out-dir', sampleDir, '--quiet']);
  run = await session();
  ({ pages, browser } = run);
});

after(async () => {
  if (run) await run.stop();
});

/** The progress bar's every value, recorded (with harness.mjs's fakeFolderPicker). */
function progressLog() {
  // Progress as the bar shows it: every value it took.
  window.__progress = [];
  new MutationObserver(() => {
    const bar = document.querySelector('[data-testid=summary-progress]');
    if (bar && bar.dataset.value) window.__progress.push([Number(bar.dataset.value), bar.max]);
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-value'] });
}

for (const label of ['site', 'file']) {
  describe(`first minutes (${label})`, () => {
    test('the virtio-win bundle chooses its spec, the bar counts 13 of 13 and Save all writes the CLI bytes', async () => {
      const { page, context, errors } = await open(browser, pages[label], { query: '', init: [fakeFolderPicker, progressLog] });
      await page.selectOption('[data-testid=signing-policy]', 'none');
      await settled(page, () => page.setInputFiles('[data-testid=bundle-input]', bundle), { spec: 'virtio-win-8.1.json' });
      assert.match(await page.textContent('[data-testid=spec-reason]'), /Chosen for this bundle: virtio-win-8\.1\.json .*takes all 26 driver folders/);
      assert.match(await counts(page), /^13 of 13 driver folders per architecture \(amd64, x86\)\.$/);
      assert.match(await status(page), /^Accepted with \d+ warnings: ready to build\.$/);
      assert.equal(await page.textContent('[data-testid=primary-action]'), 'Build media');

      await page.click('[data-testid=primary-action]');
      await page.waitForFunction(() => document.querySelector('[data-testid=primary-action]').textContent === 'Save all…');
      const manifest = JSON.parse(await page.textContent('[data-testid=manifest-text]'));
      for (const arch of ['x86', 'amd64']) {
        const drivers = new Set(manifest.files.map((f) => f.path.split('/')).filter((p) => p[0] === 'drivers' && p[1] === arch).map((p) => p[2]));
        assert.equal(drivers.size, 13, `${arch}: ${[...drivers]}`);
      }
      assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'primary-action', 'focus moved to Save all');

      await page.click('[data-testid=primary-action]');
      await page.waitForFunction(() => /^Saved all three/.test(document.querySelector('[data-testid=summary-status]').textContent));
      const files = await page.evaluate(async () => {
        const out = {};
        for (const [name, rec] of Object.entries(window.__folder)) {
          const bytes = new Uint8Array(await new Blob(rec.parts).arrayBuffer());
          const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
          out[name] = { closed: rec.closed, hex: [...digest].map((b) => b.toString(16).padStart(2, '0')).join('') };
        }
        return out;
      });
      for (const [key, name] of Object.entries(OUTPUTS)) {
        assert.ok(files[name] && files[name].closed, `${name} written and closed`);
        assert.equal(files[name].hex, want.virtioNone[key], `${name} equals the CLI's`);
        assert.equal(await page.textContent(`[data-testid=saved-${key}]`), 'saved');
      }

      // An input change clears what was derived from the old inputs.
      await settled(page, () => page.fill('[data-testid=version]', '9.9.9'));
      assert.ok(await page.isHidden('[data-testid=outputs]'), 'the old outputs are gone');
      assert.ok(await page.isHidden('#progress'), 'no stale "Built" line');
      assert.equal(await page.textContent('[data-testid=primary-action]'), 'Build media');
      assert.deepEqual(errors, []);
      await context.close();
    });

    test('progress moves at least ten times through a single 100 MiB file', async () => {
      const { page, context, errors } = await open(browser, pages[label], { init: [fakeFolderPicker, progressLog] });
      await page.selectOption('[data-testid=signing-policy]', 'none');
      await page.evaluate(() => { window.__progress = []; });
      await settled(page, () => page.setInputFiles('[data-testid=bundle-input]', bigBundle));
      const seen = await page.evaluate(() => window.__progress);
      const total = Math.max(...seen.map(([, t]) => t));
      assert.ok(total >= 100 << 20, `total ${total}`);
      const inside = new Set(seen.filter(([v]) => v > 0 && v < total).map(([v]) => v));
      assert.ok(inside.size >= 10, `${inside.size} distinct values before the end: ${[...inside]}`);
      assert.deepEqual(errors, []);
      await context.close();
    });

    test('a spec made from the real drivers is used at once and accepts them', async () => {
      const { page, context, errors } = await open(browser, pages[label]);
      await page.selectOption('[data-testid=signing-policy]', 'none');
      await settled(page, () => page.setInputFiles('[data-testid=bundle-input]', bundle), { spec: 'virtio-win-8.1.json' });
      // Picking the narrow spec by hand: kept (not switched back), and amber, never green.
      await settled(page, () => page.selectOption('[data-testid=spec-select]', 'win7-virtio-win.json'));
      assert.equal(await page.inputValue('[data-testid=spec-select]'), 'win7-virtio-win.json');
      assert.match(await counts(page), /^2 of 13 driver folders per architecture \(amd64, x86\); 11 left out \(not in the spec\)\.$/);
      assert.match(await page.getAttribute('[data-testid=summary-bar]', 'class'), /\bwarn\b/);
      assert.match(await page.getAttribute('[data-testid=check-status]', 'class'), /\bwarn\b/);
      assert.ok(await page.isHidden('[data-testid=spec-reason]'));
      const grouped = await page.getAttribute('[data-testid=findings] li.group[data-code=DRV004]', 'data-group');
      assert.equal(grouped, '22', 'the 22 folders left out are one line that opens');
      await page.click('[data-testid=spec-panel] summary');
      await settled(page, () => page.click('[data-testid=spec-make]'), { spec: 'custom' });
      const spec = JSON.parse(await page.inputValue('[data-testid=spec-editor]'));
      assert.equal(spec.drivers.length, 13);
      assert.match(await counts(page), /^13 of 13 driver folders per architecture/);
      assert.match(await status(page), /^Accepted/);
      const codes = await page.$$eval('[data-testid=findings] li:not(.group)', (li) => li.map((x) => x.dataset.code));
      assert.deepEqual(codes.filter((c) => !/^(CAT|POL)/.test(c)), [], 'only the catalog findings git\'s line endings cause');

      // Edited: a typo is named, the fix is taken.
      await settled(page, () => page.fill('[data-testid=spec-editor]', JSON.stringify({ ...spec, drivres: [] })));
      assert.match(await status(page), /Cannot check these inputs: .*unknown field `drivres`/);
      assert.match(await page.textContent('[data-testid=spec-editor-status]'), /Not usable yet/);
      const optional = { ...spec, drivers: spec.drivers.filter((d) => d.name !== 'viofs') };
      await settled(page, () => page.fill('[data-testid=spec-editor]', JSON.stringify(optional, null, 2)));
      assert.match(await counts(page), /^12 of 13 driver folders per architecture \(amd64, x86\); 1 left out \(not in the spec\)/);
      assert.deepEqual(errors, []);
      await context.close();
    });

    test('an empty zip is one error saying so; drops in verify mode are verified', async () => {
      const { page, context, errors } = await open(browser, pages[label]);
      await settled(page, () => page.setInputFiles('[data-testid=bundle-input]', emptyZip));
      const errs = await page.$$eval('[data-testid=findings] li:not(.group)[data-severity=error]', (li) => li.map((x) => x.dataset.code));
      assert.deepEqual(errs.filter((c) => c !== 'SIGN001'), ['LAY001']);
      assert.match(await page.textContent('[data-testid=findings] [data-code=LAY001]'), /the driver input is empty/);

      await page.click('[data-testid=mode-verify]');
      const iso = readFileSync(join(sampleDir, OUTPUTS.iso));
      const dt = await page.evaluateHandle((b64) => {
        const bin = atob(b64);
        const bytes = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
        const d = new DataTransfer();
        d.items.add(new File([bytes], 'guest-tools.iso'));
        d.items.add(new File(['x'], 'notes.txt'));
        return d;
      }, iso.toString('base64'));
      await page.dispatchEvent('main', 'drop', { dataTransfer: dt });
      await page.waitForFunction(() => /^(OK|Mismatch|Cannot)/.test(document.querySelector('[data-testid=verify-status]').textContent));
      assert.match(await page.textContent('[data-testid=verify-status]'), /^OK: all \d+ files of guest-tools 0\.0\.0 match the manifest.* Ignored: notes\.txt/);
      assert.equal(await page.evaluate(() => document.querySelector('[data-testid=verify-input]').files[0].name), 'guest-tools.iso');
      assert.deepEqual(errors, []);
      await context.close();
    });
  });
}

// At 1280×900 and at 390 px: in each state the status and the next step are in view without
// scrolling. With GUESTPACK_SCREENSHOTS=DIR the views are saved there (docs/screenshots).
describe('in view at two sizes', () => {
  for (const [size, viewport] of [['1280x900', { width: 1280, height: 900 }], ['390x844', { width: 390, height: 844 }]]) {
    test(`status and next step are in view at ${size}`, async () => {
      const dir = process.env.GUESTPACK_SCREENSHOTS;
      if (dir) mkdirSync(dir, { recursive: true });
      const { page, context, errors } = await open(browser, pages.site, { query: '', viewport, init: [fakeFolderPicker, progressLog] });
      const inView = async (what) => {
        for (const id of ['summary-status', 'primary-action']) {
          const box = await page.locator(`[data-testid=${id}]`).boundingBox();
          assert.ok(box && box.y >= 0 && box.y + box.height <= viewport.height, `${what}: ${id} in view (${JSON.stringify(box)})`);
        }
        if (dir) await page.screenshot({ path: join(dir, `${size}-${what}.png`) });
      };
      await inView('first-view');
      await settled(page, () => page.click('[data-testid=sample-button]'));
      await inView('sample-checked');
      await page.selectOption('[data-testid=signing-policy]', 'none');
      await settled(page, () => page.setInputFiles('[data-testid=bundle-input]', bundle), { spec: 'virtio-win-8.1.json' });
      await inView('virtio-checked');
      await page.click('[data-testid=primary-action]');
      await page.waitForFunction(() => document.querySelector('[data-testid=primary-action]').textContent === 'Save all…');
      await inView('built');
      await page.click('[data-testid=primary-action]');
      await page.waitForFunction(() => /^Saved all three/.test(document.querySelector('[data-testid=summary-status]').textContent));
      await inView('saved');
      assert.deepEqual(errors, []);
      await context.close();
    });
  }
});
