// The page with driver inputs as virtio-win ships them (its ISO, `<Driver>/<os>/<arch>/`, two
// OS folders) and in verify mode, in both shapes (served site and file://). The ISO packaged
// for one OS must give the CLI's bytes for the per-arch tree; verify must pass good media and
// name each changed, missing and extra file of tampered media.
import assert from 'node:assert/strict';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  OUTPUTS, checked, cliOutputs, download, mediaToVerify, open, root, screenshot, session, sha256,
  virtioIso, workDir,
} from './harness.mjs';

const work = workDir();
let run, browser, pages, iso, perArch, twoOs, media;

const FLIP = 'drivers/amd64/viostor/viostor.inf';
const DROP = 'setup.cmd';
const EXTRA = 'drivers/x86/netkvm/notes.txt';

before(async () => {
  iso = virtioIso(work);
  perArch = cliOutputs(['--drivers-dir', join(root, '..', 'shared', 'data', 'virtio-win-8.1', 'drivers'),
    '--spec', 'virtio-win-8.1.json', '--signing-policy', 'none'], work);
  twoOs = cliOutputs(['--drivers-dir', iso, '--os', 'w8.1,w10', '--spec', 'virtio-win-8.1.json',
    '--signing-policy', 'none'], work);
  media = mediaToVerify(['--sample'], work, { flip: FLIP, drop: DROP, extra: EXTRA });
  run = await session();
  ({ pages, browser } = run);
});

after(async () => {
  if (run) await run.stop();
});

// Waits for the verification of exactly this media and manifest: the page marks the status
// line with what its result is of, and clears the mark when the choice changes.
const verifyDone = (page, mediaPath, manifestPath) => page.waitForFunction((key) =>
  document.querySelector('[data-testid=verify-status]').dataset.verified === key,
`${basename(mediaPath)}|${manifestPath ? basename(manifestPath) : ''}`, { timeout: 60000 });

for (const label of ['site', 'file']) {
  describe(`page (${label}): virtio-win layouts and verify mode`, () => {
    test('virtio-win ISO with two OS folders: the page offers them, and w8.1 gives the per-arch bytes', async () => {
      const { page, context, errors } = await open(browser, pages[label]);
      assert.ok(await page.isHidden('[data-testid=os-select]'), 'no OS chooser before an input has OS folders');
      await page.setInputFiles('[data-testid=bundle-input]', iso);
      await page.selectOption('[data-testid=spec-select]', 'virtio-win-8.1.json');
      await checked(page);
      // The default policy is test and the built-in guest tools carry no certificate: the fix
      // offered is the Signing policy menu, not a command-line flag.
      const sign = await page.$$eval('[data-testid=findings] li:not(.group)[data-code=SIGN001]', (li) => li.map((x) => x.textContent));
      assert.equal(sign.length, 1, 'SIGN001 under the default policy');
      assert.match(sign[0], /Choose production or none under “Signing policy”/);
      assert.doesNotMatch(sign[0], /--signing-policy/);
      // None: as stored in git, the real INFs are not in their catalogs (warnings under none).
      await page.selectOption('[data-testid=signing-policy]', 'none');
      await checked(page);
      assert.equal(await page.$$eval('[data-testid=findings] li:not(.group)[data-code=SIGN001]', (li) => li.length), 0);
      assert.match(await page.textContent('[data-testid=check-status]'), /^Rejected/);
      const lay = await page.$$eval('[data-testid=findings] li:not(.group)[data-code=LAY004]', (li) => li.map((x) => x.textContent));
      assert.equal(lay.length, 1, 'one LAY004 error: several OSes, none chosen');
      assert.match(lay[0], /"w10", "w8\.1"/);
      assert.match(lay[0], /Windows version/, 'the fix points at the menu, not at a flag');
      const offered = await page.$$eval('[data-testid=os-select] option', (o) => o.map((x) => x.value));
      assert.deepEqual(offered, ['', 'w10', 'w8.1']);
      assert.match(await page.textContent('[data-testid=layout-summary]'), /^virtio-win .*no Windows version chosen/);
      assert.ok(await page.isDisabled('[data-testid=build-button]'));

      await page.selectOption('[data-testid=os-select]', 'w8.1');
      // The rejection shown until now is replaced by the new check's verdict.
      await page.waitForFunction(() => /^Accepted/.test(document.querySelector('[data-testid=check-status]').textContent),
        null, { timeout: 60000 });
      assert.equal(await page.inputValue('[data-testid=os-select]'), 'w8.1');
      assert.match(await page.textContent('[data-testid=layout-summary]'), /Windows version w8\.1: 26 driver folders/);
      const netkvm = await page.textContent('[data-testid=layout-details] li[data-arch=amd64][data-driver=netkvm]');
      assert.match(netkvm, /amd64\/netkvm ← NetKVM\/w8\.1\/amd64 · \d+ files: .*netkvm\.inf/);
      await page.click('[data-testid=build-button]');
      await page.waitForSelector('[data-testid=outputs]:not([hidden])', { timeout: 60000 });
      await screenshot(page, `${label}-virtio-iso-built`);
      for (const key of Object.keys(OUTPUTS)) {
        const { bytes } = await download(page, `download-${key}`);
        assert.equal(sha256(bytes), perArch[key], `${OUTPUTS[key]} equals the CLI's for the per-arch tree`);
      }
      assert.deepEqual(errors, []);
      await context.close();
    });

    test('two Windows versions on one medium: w8.1 chosen, w10 ticked, the CLI\'s --os w8.1,w10 bytes', async () => {
      const { page, context, errors } = await open(browser, pages[label]);
      await page.setInputFiles('[data-testid=bundle-input]', iso);
      await page.selectOption('[data-testid=spec-select]', 'virtio-win-8.1.json');
      await page.selectOption('[data-testid=signing-policy]', 'none');
      await page.waitForSelector('[data-testid=os-select] option[value="w8.1"]', { state: 'attached', timeout: 60000 });
      assert.ok(await page.isHidden('[data-testid=os-more]'), 'nothing to add before a first Windows version is chosen');
      await page.selectOption('[data-testid=os-select]', 'w8.1');
      await page.waitForFunction(() => /Windows version w8\.1:/.test(document.querySelector('[data-testid=layout-summary]').textContent),
        null, { timeout: 60000 });
      const ticks = await page.$$eval('[data-testid=os-more] input', (i) => i.map((x) => x.value));
      assert.deepEqual(ticks, ['w10'], 'the other OS folders, without the one chosen');
      await page.check('[data-testid=os-more-w10]');
      await page.waitForFunction(() => /Windows versions w8\.1, w10:/.test(document.querySelector('[data-testid=layout-summary]').textContent),
        null, { timeout: 60000 });
      assert.match(await page.textContent('[data-testid=check-status]'), /^Accepted/);
      assert.equal(await page.textContent('[data-testid=summary-counts]'),
        '13 of 13 driver folders per Windows version and architecture (w8.1 amd64, w8.1 x86, w10 amd64, w10 x86).');
      // The coverage matrix: both Windows versions, each with both arches, every driver there.
      const cols = await page.$$eval('[data-testid=coverage-table] tbody tr[data-driver=viostor] td',
        (td) => td.map((x) => `${x.dataset.os}/${x.dataset.arch}=${x.dataset.cell}`));
      assert.deepEqual(cols, ['w8.1/x86=present', 'w8.1/amd64=present', 'w10/x86=present', 'w10/amd64=present']);
      const heads = await page.$$eval('[data-testid=coverage-table] thead th[scope=colgroup]', (th) => th.map((x) => x.textContent));
      assert.deepEqual(heads, ['w8.1', 'w10']);
      assert.equal(await page.$$eval('[data-testid=drivers-table] tbody tr[data-os=w10][data-driver=viostor]', (tr) => tr.length), 2);
      await page.click('[data-testid=build-button]');
      await page.waitForSelector('[data-testid=outputs]:not([hidden])', { timeout: 60000 });
      await screenshot(page, `${label}-two-windows-built`);
      for (const key of Object.keys(OUTPUTS)) {
        const { bytes } = await download(page, `download-${key}`);
        assert.equal(sha256(bytes), twoOs[key], `${OUTPUTS[key]} equals the CLI's for --os w8.1,w10`);
      }
      assert.deepEqual(errors, []);
      await context.close();
    });

    test('input limits: an ISO over a limit is refused naming the field that raises it', async () => {
      const { page, context, errors } = await open(browser, pages[label]);
      await page.click('[data-testid=limits] summary');
      await page.fill('[data-testid=max-entries]', '5');
      await page.setInputFiles('[data-testid=bundle-input]', iso);
      await checked(page);
      const fatal = await page.textContent('[data-testid=fatal]');
      assert.match(fatal, /virtio-win-two-os\.iso: .*over the limit of 5 \(raise “Max entries” under Options → Input limits\)/);
      assert.ok(await page.isDisabled('[data-testid=build-button]'));
      await page.fill('[data-testid=max-entries]', '');
      await page.waitForFunction(() => /^Rejected/.test(document.querySelector('[data-testid=check-status]').textContent),
        null, { timeout: 60000 });
      assert.ok(await page.isHidden('[data-testid=fatal]'), 'the default limit lets the ISO through');
      await page.fill('[data-testid=max-file-size]', '4 lots');
      await page.waitForFunction(() => /"4 lots" is not a size.*\(correct “Max file size” under Options → Input limits\)/.test(document.querySelector('[data-testid=fatal]').textContent),
        null, { timeout: 60000 });
      assert.deepEqual(errors, []);
      await context.close();
    });

    test('verify mode: good media pass, tampered media name every problem', async () => {
      const { page, context, errors } = await open(browser, pages[label]);
      await page.click('[data-testid=mode-verify]');
      assert.ok(await page.isVisible('[data-testid=verify-input]'));
      assert.ok(await page.isHidden('[data-testid=bundle-input]'), 'build inputs hidden in verify mode');

      await page.setInputFiles('[data-testid=verify-input]', media.iso);
      await verifyDone(page, media.iso);
      assert.match(await page.textContent('[data-testid=verify-status]'), /^OK: all 20 files of guest-tools 0\.0\.0 match/);

      await page.setInputFiles('[data-testid=verify-input]', media.tampered);
      await verifyDone(page, media.tampered);
      assert.match(await page.textContent('[data-testid=verify-status]'), /^Mismatch: 3 problems .*\(18 of 20 files match\)/);
      const rows = await page.$$eval('[data-testid=verify-table] tbody tr', (trs) => trs.map((tr) => `${tr.dataset.problem} ${tr.dataset.path}`));
      assert.deepEqual(rows.sort(), [`changed ${FLIP}`, `extra ${EXTRA}`, `missing ${DROP}`]);
      assert.match(await page.textContent(`[data-testid=verify-table] tr[data-path="${FLIP}"]`), /SHA-256 [0-9a-f]{64}, the manifest says [0-9a-f]{64}/);
      await screenshot(page, `${label}-verify-mismatch`);
      const json = JSON.parse((await download(page, 'verify-json')).bytes.toString('utf8'));
      assert.equal(json.ok, false);
      assert.deepEqual(json.missing, [DROP]);

      // The zip checked against a manifest.json given separately.
      await page.setInputFiles('[data-testid=verify-manifest-input]', media.manifest);
      await page.setInputFiles('[data-testid=verify-input]', media.zip);
      await verifyDone(page, media.zip, media.manifest);
      assert.match(await page.textContent('[data-testid=verify-status]'), /^OK: all 20 files/);
      await page.click('[data-testid=mode-build]');
      assert.ok(await page.isVisible('[data-testid=bundle-input]'), 'back in build mode');
      assert.deepEqual(errors, []);
      await context.close();
    });
  });
}
