// The page's catalog check: every driver file against its signed catalog, and every catalog's
// signer against the signing policy and the certificates in certs/, in the browser as on the
// command line. A changed byte in a driver binary is an error naming the file and no outputs
// are offered; INFs whose LF line endings keep them out of their catalogs are offered the
// repair, which builds the CLI's --restore-crlf bytes; certificates that do not sign the
// catalogs are an error naming the signer. The real drivers are test-signed (a self-signed
// Red Hat certificate), so they are checked under policy test with that certificate in certs/.
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import {
  OUTPUTS, cliOutputs, download, guestToolsWith, open, recheck, screenshot, session, sha256, tamperedBundle,
  virtioBundle, virtioSigner, workDir,
} from './harness.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = workDir();
let run, browser, pages, bundle, tampered, want, gtVirtio, gtSample;

// Real drivers: viostor and netkvm of virtio-win 8.1, as git stores them (LF INFs).
const SPEC = 'win7-virtio-win.json';

before(async () => {
  bundle = virtioBundle(work);
  // 0x1800 lies inside viostor.sys's first section (its headers end at 0x400).
  tampered = tamperedBundle(bundle, join(work, 'tampered-drivers.zip'), 'amd64/viostor/viostor.sys', 0x1800);
  gtVirtio = guestToolsWith(work, 'virtio', { 'virtio-win.cer': virtioSigner(work) });
  gtSample = guestToolsWith(work, 'sample', { 'sample.cer': join(root, 'src', 'bundled', 'sample-test-signing.cer') });
  want = cliOutputs(['--drivers-dir', bundle, '--guest-tools-dir', gtVirtio.dir, '--spec', SPEC, '--restore-crlf'], work);
  run = await session();
  ({ pages, browser } = run);
});

after(async () => {
  if (run) await run.stop();
});

const codes = (page, code) => page.$$eval(`[data-testid=findings] li:not(.group)[data-code=${code}]`, (li) => li.map((x) => x.textContent));

/** A page with `drivers`, the spec and the guest-tools zip `gt` chosen, and their verdict shown. */
async function withInputs(drivers, gt) {
  const opened = await open(browser, pages.site);
  await opened.page.setInputFiles('[data-testid=bundle-input]', drivers);
  await opened.page.selectOption('[data-testid=spec-select]', SPEC);
  await recheck(opened.page, () => opened.page.setInputFiles('[data-testid=guest-tools-input]', gt));
  return opened;
}

/** The verdict matches `status`, Build is disabled and no outputs are offered. */
async function assertRefused(page, status) {
  assert.match(await page.textContent('[data-testid=check-status]'), status);
  assert.ok(await page.isDisabled('[data-testid=build-button]'));
  assert.ok(await page.isHidden('[data-testid=outputs]'));
}

describe('page (site): catalogs', () => {
  test('LF INFs: the repair is offered, and builds the bytes of the CLI with --restore-crlf', async () => {
    const { page, context, errors } = await open(browser, pages.site);
    assert.ok(await page.isHidden('[data-testid=restore-crlf]'), 'no repair offered before a check needs it');
    await page.setInputFiles('[data-testid=bundle-input]', bundle);
    await page.selectOption('[data-testid=spec-select]', SPEC);
    await recheck(page, () => page.setInputFiles('[data-testid=guest-tools-input]', gtVirtio.zip));
    const crlf = await codes(page, 'CAT003');
    assert.equal(crlf.length, 4, 'netkvm and viostor INFs, both architectures');
    assert.match(crlf[0], /only with CRLF line endings/);
    assert.match(crlf[0], /Tick “Restore CRLF line endings”/);
    assert.match(await page.textContent('[data-testid=check-status]'), /^Rejected/);
    assert.ok(await page.isDisabled('[data-testid=build-button]'));
    const cell = await page.textContent('[data-testid=drivers-table] tr[data-driver=viostor][data-arch=amd64] [data-testid=catalog-cell]');
    assert.match(cell, /viostor\.cat · sha1\+sha256 · NT 6\.3 · 1\/2 files match/);

    await recheck(page, () => page.check('[data-testid=restore-crlf]'));
    assert.match(await page.textContent('[data-testid=check-status]'), /^Accepted/);
    assert.deepEqual((await codes(page, 'CAT003')).map((t) => /^info/.test(t)), [true, true, true, true]);
    const fixed = await page.textContent('[data-testid=drivers-table] tr[data-driver=viostor][data-arch=amd64] [data-testid=catalog-cell]');
    assert.match(fixed, /2\/2 files match · 1 repaired/);
    // The signer column: who signed viostor's catalog; its chain on expanding the row.
    const signer = '[data-testid=drivers-table] tr[data-driver=viostor][data-arch=amd64] [data-testid=signer-cell]';
    assert.equal(await page.textContent(`${signer} [data-testid=signer-name]`), 'Red Hat Inc.');
    assert.equal(await page.getAttribute(`${signer} li[data-kind]`, 'data-kind'), 'test');
    assert.ok(await page.isHidden(`${signer} [data-testid=signer-chain]`), 'the chain is folded');
    await page.click(`${signer} summary`);
    assert.match(await page.textContent(`${signer} [data-testid=signer-chain]`),
      /CN=Red Hat Inc\.,OU=Dev,O=virtio-win 5c485f20bef4a9dd77258a2f06d9386f18fb0696/);
    assert.match(await page.textContent(`${signer} details`), /timestamped by Symantec SHA256 TimeStamping Signer - G3/);
    await page.click('[data-testid=build-button]');
    await page.waitForSelector('[data-testid=outputs]:not([hidden])', { timeout: 60000 });
    await screenshot(page, 'site-catalog-repaired');
    for (const key of Object.keys(OUTPUTS)) {
      const { bytes } = await download(page, `download-${key}`);
      assert.equal(sha256(bytes), want[key], `${OUTPUTS[key]} equals the CLI's with --restore-crlf`);
    }
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a changed byte in a driver binary: the finding names it, and no outputs are offered', async () => {
    const { page, context, errors } = await withInputs(tampered, gtVirtio.zip);
    await recheck(page, () => page.check('[data-testid=restore-crlf]'));
    const notIn = await codes(page, 'CAT002');
    assert.equal(notIn.length, 1, notIn.join('\n'));
    assert.match(notIn[0], /drivers\/amd64\/viostor\/viostor\.sys/);
    assert.match(notIn[0], /Authenticode image hash is not a member \(SHA-1 [0-9a-f]{40}, SHA-256 [0-9a-f]{64}\)/);
    await assertRefused(page, /^Rejected: 1 error/);
    await screenshot(page, 'site-catalog-tampered');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('Target Windows: a Windows the catalogs do not cover is an error naming each catalog', async () => {
    const { page, context, errors } = await open(browser, pages.site);
    await recheck(page, () => page.click('[data-testid=sample-button]'));
    assert.match(await page.textContent('[data-testid=check-status]'), /^Accepted/);
    assert.ok(await page.isVisible('[data-testid=target-os]'), 'the sample has no OS folders: the target menu is offered');
    await recheck(page, () => page.selectOption('[data-testid=target-os]', 'xp'));
    const notCovered = await codes(page, 'CAT004');
    assert.equal(notCovered.length, 4, 'the two drivers the default spec packages, both architectures');
    assert.match(notCovered[0], /does not cover xp \(NT 5\.1\); it covers NT 6\.1, 6\.2, 6\.3, 10\.0/);
    assert.ok(await page.isDisabled('[data-testid=build-button]'));
    await recheck(page, () => page.selectOption('[data-testid=target-os]', 'w11'));
    assert.match(await page.textContent('[data-testid=check-status]'), /^Accepted/);
    assert.equal((await codes(page, 'CAT004')).length, 0);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('INFs built for a newer Windows than the target: one error per INF, naming its line', async () => {
    const { page, context, errors } = await withInputs(bundle, gtVirtio.zip);
    await recheck(page, () => page.selectOption('[data-testid=target-os]', 'w7'));
    const tooNew = await codes(page, 'INF011');
    assert.equal(tooNew.length, 4, 'the two drivers the spec packages, both architectures');
    const viostor = tooNew.find((t) => t.includes('drivers/amd64/viostor/viostor.inf:50'));
    assert.match(viostor || '', /needs Windows NT 6\.3 \(NTamd64\.6\.3\) or later on amd64; the media is for w7 \(NT 6\.1\)/);
    await assertRefused(page, /^Rejected/);
    await recheck(page, () => page.selectOption('[data-testid=target-os]', 'w8.1'));
    assert.equal((await codes(page, 'INF011')).length, 0);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('certs/ holding a certificate that signs no catalog: the signer is named and no outputs are offered', async () => {
    const { page, context, errors } = await withInputs(bundle, gtSample.zip);
    const mismatch = await codes(page, 'SIGN004');
    assert.equal(mismatch.length, 4, 'viostor and netkvm catalogs, both architectures');
    assert.match(mismatch[0], /is signed by "Red Hat Inc\." \(thumbprint 5c485f20bef4a9dd77258a2f06d9386f18fb0696\), which chains to no certificate in certs\/ \(certs\/sample\.cer \(CN=guestpack sample test signing/);
    const unused = await codes(page, 'SIGN009');
    assert.equal(unused.length, 1);
    assert.match(unused[0], /certs\/sample\.cer.*signs none of the 4 catalogs/);
    await assertRefused(page, /^Rejected/);
    // The certificate that did sign them makes the same drivers pass.
    await recheck(page, () => page.setInputFiles('[data-testid=guest-tools-input]', gtVirtio.zip));
    assert.equal((await codes(page, 'SIGN004')).length, 0);
    assert.equal((await codes(page, 'SIGN009')).length, 0);
    await screenshot(page, 'site-signer-mismatch');
    assert.deepEqual(errors, []);
    await context.close();
  });
});
