// Saving all three outputs at once, in headless Chromium, hosted and from file://, with a
// bundle whose big file the page hands on by reference: a stored entry (the ISO takes its
// bytes as a slice of the dropped zip) that deflates in part (the zip takes the compressed
// bytes a worker kept in a Blob while checking). "Save all into a folder…" and "Download all
// three" must both write the CLI's bytes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OUTPUTS, checked, cliOutputs, fakeFolderPicker, open, session, sha256, virtioBundle, workDir } from './harness.mjs';

const work = workDir();
let run, browser, pages, bundle, want;

before(async () => {
  bundle = join(work, 'mixed.zip');
  // 1 MiB of noise, 6 MiB of INF-like text, 2 MiB of noise, stored: more than a worker keeps
  // in memory, so its compressed bytes go to a Blob.
  execFileSync('python3', ['-c', `
import random, shutil, sys, zipfile
shutil.copy(sys.argv[1], sys.argv[2])
rnd = random.Random(5)
noise = rnd.randbytes(3 << 20)
text = b''.join(b'HKR,,DeviceCharacteristics,0x10001,0x%04x ; line %d\\r\\n' % (i % 977, i) for i in range(200000))[:6 << 20]
z = zipfile.ZipFile(sys.argv[2], 'a', zipfile.ZIP_STORED)
top = z.namelist()[0].split('/')[0]
z.writestr(top + '/amd64/viostor/blob.bin', noise[:1 << 20] + text + noise[1 << 20:])
z.close()`, virtioBundle(work), bundle]);
  want = cliOutputs(['--drivers-dir', bundle, '--spec', 'virtio-win-8.1.json', '--signing-policy', 'none'], work);
  run = await session();
  ({ pages, browser } = run);
});

after(async () => {
  if (run) await run.stop();
});

async function built(label, query, init) {
  const opened = await open(browser, pages[label], { query, init });
  const { page } = opened;
  await page.selectOption('[data-testid=signing-policy]', 'none');
  await page.setInputFiles('[data-testid=bundle-input]', bundle);
  await page.selectOption('[data-testid=spec-select]', 'virtio-win-8.1.json');
  await checked(page);
  assert.match(await page.textContent('[data-testid=check-status]'), /^Accepted/);
  await page.click('[data-testid=build-button]');
  await page.waitForSelector('[data-testid=outputs]:not([hidden])');
  return opened;
}

for (const label of ['site', 'file']) {
  describe(`saving all three (${label})`, () => {
    test('Save all into a folder writes the three at once, the CLI bytes', async () => {
      const { page, context, errors } = await built(label, '', fakeFolderPicker);
      await page.click('[data-testid=save-all]');
      await page.waitForFunction(() => /^Saved .* into the folder/.test(document.querySelector('[id=save-mode]').textContent));
      const files = await page.evaluate(async () => {
        const out = {};
        for (const [name, rec] of Object.entries(window.__folder)) {
          const bytes = new Uint8Array(await new Blob(rec.parts).arrayBuffer());
          const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
          out[name] = { closed: rec.closed, blobs: rec.blobs, hex: [...digest].map((b) => b.toString(16).padStart(2, '0')).join('') };
        }
        return out;
      });
      for (const [key, name] of Object.entries(OUTPUTS)) {
        assert.ok(files[name] && files[name].closed, `${name} written and closed`);
        assert.equal(files[name].hex, want[key], `${name} equals the CLI's`);
      }
      assert.ok(files['guest-tools.iso'].blobs > 0, 'the ISO was written as Blobs');
      assert.deepEqual(errors, []);
      await context.close();
    });

    test('Download all three downloads the CLI bytes', async () => {
      const { page, context, errors } = await built(label, '?download=1');
      const downloads = [];
      const three = new Promise((resolve) => page.on('download', (d) => { downloads.push(d); if (downloads.length === 3) resolve(); }));
      await page.click('[data-testid=save-all]');
      await three;
      const got = {};
      for (const d of downloads) got[d.suggestedFilename()] = sha256(readFileSync(await d.path()));
      for (const [key, name] of Object.entries(OUTPUTS)) assert.equal(got[name], want[key], `${name} equals the CLI's`);
      assert.deepEqual(errors, []);
      await context.close();
    });
  });
}
