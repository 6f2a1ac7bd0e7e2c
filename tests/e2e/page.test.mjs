// End-to-end tests of the web page in headless Chromium, in both shapes: the site served on
// localhost and the single file opened from file://. Outputs captured from the page (with
// ?download=1) must be byte-identical to the native CLI's for the same inputs and options.
// Run with `node --test tests/e2e/` after `npm run build` (scripts/test-web.sh does both).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  OUTPUTS, brokenBundle, checked, cli, cliOutputs, download, fakeSavePicker, open, screenshot, session, sha256,
  virtioBundle, workDir,
} from './harness.mjs';

const work = workDir();
let run, browser, server, pages, bundle, badBundle, want;

before(async () => {
  bundle = virtioBundle(work);
  badBundle = brokenBundle(bundle, join(work, 'broken-drivers.zip'), 'viostor', 'virtio-win-8.1/amd64/netkvm/signing-key.pfx');
  want = {
    sample: cliOutputs(['--sample'], work),
    virtio: cliOutputs(['--drivers-dir', bundle, '--spec', 'virtio-win-8.1.json', '--version', '1.2.3',
      '--build-id', 'ci-42', '--volume-id', 'VIRTIO_TOOLS', '--signing-policy', 'none',
      '--source-date-epoch', '1700000000'], work),
    // Policy none: as stored in git, the real INFs are not in their catalogs (CAT002/CAT003
    // warnings under none, errors under test and production).
    virtioNone: cliOutputs(['--drivers-dir', bundle, '--spec', 'virtio-win-8.1.json', '--signing-policy', 'none'], work),
  };
  // The CLI's --report of the sample: the page's findings download must be these bytes.
  const report = join(work, 'sample-report.json');
  const env = { ...process.env };
  delete env.SOURCE_DATE_EPOCH;
  execFileSync(cli(), ['--sample', '--validate-only', '--quiet', '--report', report], { env });
  want.sampleReport = readFileSync(report, 'utf8');
  run = await session();
  ({ server, pages, browser } = run);
});

after(async () => {
  if (run) await run.stop();
});

/** Every request the page made stayed on its own origin (site) or was the file itself (file://). */
function assertNoForeignRequests(target, requests) {
  assert.ok(requests.length > 0, 'requests were recorded');
  for (const url of requests) {
    if (target.label === 'site') {
      const origin = new URL(server.url).origin;
      assert.ok(url.startsWith(origin + '/') || url.startsWith(`blob:${origin}/`), `request left the origin: ${url}`);
    } else {
      assert.ok(url.startsWith('blob:null/') || url.split('?')[0] === target.url().split('?')[0],
        `request other than the page itself from file://: ${url}`);
    }
  }
}

async function buildAndCompare(page, expected, shot) {
  await page.click('[data-testid=build-button]');
  await page.waitForSelector('[data-testid=outputs]:not([hidden])', { timeout: 60000 });
  await screenshot(page, shot);
  const shown = await page.textContent('[data-testid=manifest-text]');
  for (const key of Object.keys(OUTPUTS)) {
    const { name, bytes } = await download(page, `download-${key}`);
    assert.equal(name, OUTPUTS[key], `file name of the ${key}`);
    assert.equal(sha256(bytes), expected[key], `${name} is byte-identical to the CLI's`);
    if (key === 'manifest') assert.equal(bytes.toString('utf8'), shown, 'the manifest shown is the one saved');
  }
  // The progress line reports bytes done of the total once a save completes.
  assert.match(await page.textContent('[data-testid=progress-text]'), /of .* \(100%\)/);
}

for (const label of ['site', 'file']) {
  describe(`page (${label})`, () => {
    test('sample drivers: report, findings JSON and outputs equal to the CLI', async () => {
      const target = pages[label];
      const { page, context, requests, errors } = await open(browser, target);
      assert.equal(await page.inputValue('[data-testid=spec-select]'), 'win7-virtio-win.json');
      const specs = await page.$$eval('[data-testid=spec-select] option', (o) => o.map((x) => x.value));
      for (const s of ['win7-virtio-win.json', 'win7-virtio-full.json', 'virtio-win-8.1.json']) assert.ok(specs.includes(s), s);
      assert.equal(await page.inputValue('[data-testid=signing-policy]'), 'test');
      assert.equal(await page.inputValue('[data-testid=source-date-epoch]'), '0');
      assert.ok(await page.isDisabled('[data-testid=build-button]'), 'nothing to build before inputs');
      await screenshot(page, `${label}-empty`);

      await page.click('[data-testid=sample-button]');
      await checked(page);
      assert.match(await page.textContent('[data-testid=check-status]'), /^Accepted/);
      const rows = await page.$$eval('[data-testid=drivers-table] tbody tr', (trs) =>
        trs.map((tr) => `${tr.dataset.arch}/${tr.dataset.driver}=${tr.dataset.state}`));
      for (const r of ['amd64/viostor=present', 'x86/viostor=present', 'amd64/netkvm=present', 'x86/netkvm=present']) {
        assert.ok(rows.includes(r), `${r} in ${rows}`);
      }
      const findings = await page.$$eval('[data-testid=findings] li:not(.group)', (li) => li.map((x) => x.dataset.severity));
      assert.ok(findings.length > 0 && !findings.includes('error'), `findings: ${findings}`);
      assert.ok(await page.isEnabled('[data-testid=build-button]'));

      const text = (await download(page, 'findings-json')).bytes.toString('utf8');
      assert.equal(text, want.sampleReport, 'the findings download is the CLI --report, byte for byte');
      const json = JSON.parse(text);
      assert.equal(json.findings.length, findings.length, 'one list item per finding in the JSON');
      assert.ok(json.findings.every((f) => f.code && f.severity && f.message), 'findings carry code, severity, message');

      await buildAndCompare(page, want.sample, `${label}-sample-built`);
      assertNoForeignRequests(target, requests);
      assert.deepEqual(errors, []);
      await context.close();
    });

    test('virtio-win 8.1 bundle with non-default options: outputs equal to the CLI', async () => {
      const target = pages[label];
      const { page, context, requests, errors } = await open(browser, target);
      await page.setInputFiles('[data-testid=bundle-input]', bundle);
      await page.selectOption('[data-testid=spec-select]', 'virtio-win-8.1.json');
      await page.fill('[data-testid=version]', '1.2.3');
      await page.fill('[data-testid=build-id]', 'ci-42');
      await page.fill('[data-testid=volume-label]', 'VIRTIO_TOOLS');
      await page.selectOption('[data-testid=signing-policy]', 'none');
      await page.fill('[data-testid=source-date-epoch]', '1700000000');
      await checked(page);
      assert.match(await page.textContent('[data-testid=check-status]'), /^Accepted/);
      const present = await page.$$eval('[data-testid=drivers-table] tbody tr[data-state=present]', (trs) => trs.length);
      assert.ok(present >= 16, `${present} driver/arch rows present`);
      const infOk = await page.$$eval('[data-testid=drivers-table] tbody tr[data-state=present]', (trs) =>
        trs.every((tr) => tr.textContent.includes('OK')));
      assert.ok(infOk, 'every present driver has its INF references OK');
      await buildAndCompare(page, want.virtio, `${label}-virtio-built`);
      if (label === 'site') {
        // The overview picture for the README: inputs, options and the check, one screen.
        await page.setViewportSize({ width: 1100, height: 1450 });
        await page.evaluate(() => window.scrollTo(0, 0));
        await screenshot(page, 'overview', { fullPage: false });
      }
      assert.match(await page.textContent('[data-testid=manifest-table]'), /drivers\/amd64\/viostor\/viostor\.sys/);
      assertNoForeignRequests(target, requests);
      assert.deepEqual(errors, []);
      await context.close();
    });

    test('the content security policy refuses network access beyond the page', async () => {
      const target = pages[label];
      const { page, context, requests } = await open(browser, target);
      const csp = await page.getAttribute('meta[http-equiv=Content-Security-Policy]', 'content');
      assert.match(csp, label === 'site' ? /connect-src 'self'/ : /connect-src 'none'/);
      assert.match(csp, /worker-src [^;]*blob:/);
      assert.match(csp, /'wasm-unsafe-eval'/);
      const outcome = await page.evaluate(async () => {
        const violations = [];
        document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective));
        const tries = ['http://example.com/leak', 'https://127.0.0.2/leak'];
        const results = [];
        for (const url of tries) results.push(await fetch(url).then(() => 'fetched', () => 'refused'));
        await new Promise((r) => setTimeout(r, 50));
        return { results, violations };
      });
      assert.deepEqual(outcome.results, ['refused', 'refused']);
      assert.ok(outcome.violations.length >= 2 && outcome.violations.every((v) => v.startsWith('connect-src')),
        `violations: ${outcome.violations}`);
      assert.match(await page.textContent('[data-testid=privacy]'), /never uploaded/);
      assertNoForeignRequests(target, requests);
      await context.close();
    });

    test('bad bundle: missing required driver and a private key are errors, no outputs', async () => {
      const target = pages[label];
      const { page, context, requests, errors } = await open(browser, target);
      await page.setInputFiles('[data-testid=bundle-input]', badBundle);
      await page.selectOption('[data-testid=spec-select]', 'virtio-win-8.1.json');
      await checked(page);
      assert.match(await page.textContent('[data-testid=check-status]'), /^Rejected: \d+ error/);
      const errs = await page.$$eval('[data-testid=findings] li:not(.group)[data-severity=error]', (li) => li.map((x) => x.textContent));
      assert.ok(errs.some((t) => t.includes('signing-key.pfx')), `an error names the key file: ${errs.join(' | ')}`);
      assert.ok(errs.some((t) => t.includes('viostor')), `an error names the missing driver: ${errs.join(' | ')}`);
      const missing = await page.$$eval('[data-testid=drivers-table] tr[data-state=missing]', (trs) =>
        trs.map((tr) => `${tr.dataset.arch}/${tr.dataset.driver}`));
      assert.deepEqual(missing, ['amd64/viostor']);
      assert.ok(await page.isDisabled('[data-testid=build-button]'), 'build disabled');
      assert.match(await page.textContent('[data-testid=build-why]'), /error.* must be fixed/);
      assert.ok(await page.isHidden('[data-testid=outputs]'), 'no outputs offered');
      assert.ok(await page.isHidden('[data-testid=download-iso]'));
      await screenshot(page, `${label}-rejected`);
      assertNoForeignRequests(target, requests);
      assert.deepEqual(errors, []);
      await context.close();
    });
  });
}

describe('page (layout and keyboard)', () => {
  test('keyboard only: sample, build, save', async () => {
    const { page, context } = await open(browser, pages.file);
    const focusOn = async (testid) => {
      for (let i = 0; i < 40; i++) {
        await page.keyboard.press('Tab');
        if ((await page.evaluate(() => document.activeElement && document.activeElement.dataset.testid)) === testid) return;
      }
      assert.fail(`could not reach ${testid} with Tab`);
    };
    await focusOn('sample-button');
    await page.keyboard.press('Enter');
    await checked(page);
    await page.waitForSelector('[data-testid=build-button]:not([disabled])');
    await focusOn('build-button');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=outputs]:not([hidden])');
    await focusOn('download-manifest');
    const [dl] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    assert.equal(dl.suggestedFilename(), 'manifest.json');
    await context.close();
  });

  test('phone width / 400% zoom and dark theme: no horizontal scrolling', async () => {
    // 320 CSS pixels wide is what a 1280-pixel window shows at 400% zoom.
    const { page, context } = await open(browser, pages.site, { viewport: { width: 320, height: 640 }, colorScheme: 'dark' });
    await page.click('[data-testid=sample-button]');
    await checked(page);
    await page.click('[data-testid=build-button]');
    await page.waitForSelector('[data-testid=outputs]:not([hidden])');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the viewport`);
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.notEqual(bg, 'rgb(245, 246, 248)', 'dark theme applied');
    await screenshot(page, 'site-phone-dark');
    await context.close();
  });
});

describe('page (save dialog)', () => {
  // Without ?download=1 and with a save dialog, outputs are streamed into the file's writable.
  async function builtVirtio() {
    // 64 KiB chunks, written 16 at a time: the 3.5 MiB ISO arrives in several writes.
    const opened = await open(browser, pages.site, { query: '?chunk=65536', init: fakeSavePicker });
    const { page } = opened;
    await page.setInputFiles('[data-testid=bundle-input]', bundle);
    await page.selectOption('[data-testid=spec-select]', 'virtio-win-8.1.json');
    await page.selectOption('[data-testid=signing-policy]', 'none');
    await checked(page);
    await page.click('[data-testid=build-button]');
    await page.waitForSelector('[data-testid=outputs]:not([hidden])');
    return opened;
  }
  const saved = (page, name) => page.evaluate((n) => {
    const r = window.__saved[n];
    return r && { chunks: r.chunks, maxChunk: r.maxChunk, bytes: r.bytes, closed: r.closed, aborted: r.aborted };
  }, name);

  test('streams each output in writes of at most 16 chunks, bytes equal to the CLI', async () => {
    const { page, context, errors } = await builtVirtio();
    assert.match(await page.textContent('[data-testid=download-iso]'), /^Save guest-tools\.iso/);
    for (const key of Object.keys(OUTPUTS)) {
      await page.click(`[data-testid=download-${key}]`);
      await page.waitForFunction((n) => window.__saved[n] && window.__saved[n].closed, OUTPUTS[key]);
      const rec = await saved(page, OUTPUTS[key]);
      assert.ok(rec.maxChunk <= 16 * 65536, `writes of at most 16 chunks (${rec.maxChunk})`);
      if (key === 'iso') assert.ok(rec.chunks >= 3, `the ISO arrives in several chunks (${rec.chunks})`);
      const hash = await page.evaluate(async (n) => {
        const buf = await new Blob(window.__saved[n].parts).arrayBuffer();
        return [...new Uint8Array(await crypto.subtle.digest('SHA-256', buf))].map((b) => b.toString(16).padStart(2, '0')).join('');
      }, OUTPUTS[key]);
      assert.equal(hash, want.virtioNone[key], `${OUTPUTS[key]} streamed equals the CLI's`);
    }
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('cancel while saving aborts the file, restarts the worker, and a new build works', async () => {
    const { page, context, errors } = await builtVirtio();
    // Each 1 MiB write takes 1.5 s: the cancel lands mid-file however loaded the machine is.
    await page.evaluate(() => { window.__writeDelay = 1500; });
    await page.click('[data-testid=download-iso]');
    await page.waitForFunction(() => window.__saved['guest-tools.iso'] && window.__saved['guest-tools.iso'].chunks >= 1);
    assert.ok(await page.isVisible('[data-testid=progress]'), 'progress shown while saving');
    assert.match(await page.textContent('[data-testid=progress-text]'), /of 3\.\d+ MiB/);
    await screenshot(page, 'site-saving');
    await page.click('[data-testid=cancel-button]');
    await page.waitForFunction(() => /cancelled/.test(document.querySelector('[data-testid=build-note]').textContent));
    await page.waitForFunction(() => window.__saved['guest-tools.iso'].aborted);
    const rec = await saved(page, 'guest-tools.iso');
    assert.ok(!rec.closed && rec.bytes < 3 << 20, 'the half-written file was aborted, not closed');
    assert.ok(await page.isHidden('[data-testid=outputs]'), 'outputs withdrawn after cancel');
    // The terminated worker was replaced: the inputs are checked and built again.
    await checked(page);
    await page.evaluate(() => { window.__writeDelay = 0; });
    await page.click('[data-testid=build-button]');
    await page.waitForSelector('[data-testid=outputs]:not([hidden])');
    await page.click('[data-testid=download-manifest]');
    await page.waitForFunction(() => window.__saved['manifest.json'] && window.__saved['manifest.json'].closed);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('leaving during a save asks first, leaving anyway aborts the file, leaving when idle does not ask', async () => {
    const { page, context, errors } = await builtVirtio();
    await page.evaluate(() => { window.__writeDelay = 300; });
    await page.click('[data-testid=download-iso]');
    await page.waitForFunction(() => window.__saved['guest-tools.iso'] && window.__saved['guest-tools.iso'].chunks >= 1);
    // Closing the tab: the browser asks; staying lets the save finish.
    const asked = new Promise((resolve) => page.once('dialog', async (d) => { resolve(d.type()); await d.dismiss(); }));
    await page.close({ runBeforeUnload: true });
    assert.equal(await asked, 'beforeunload');
    await page.waitForFunction(() => window.__saved['guest-tools.iso'].closed);
    let rec = await saved(page, 'guest-tools.iso');
    assert.ok(!rec.aborted && rec.bytes > 3 << 20, `the save went on after staying (${JSON.stringify(rec)})`);
    // Leaving anyway (the page is hidden for good): the save in progress is aborted.
    await page.evaluate(() => { window.__writeDelay = 300; });
    await page.click('[data-testid=download-zip]');
    await page.waitForFunction(() => window.__saved['guest-tools.zip'] && window.__saved['guest-tools.zip'].chunks >= 1);
    await page.evaluate(() => window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: false })));
    await page.waitForFunction(() => window.__saved['guest-tools.zip'].aborted);
    rec = await saved(page, 'guest-tools.zip');
    assert.ok(!rec.closed, 'the half-written zip was aborted, not closed');
    // Idle (the save's cancel finished: no Cancel button): nothing is lost by leaving, so
    // the browser does not ask.
    await page.waitForFunction(() => /cancelled/.test(document.querySelector('[data-testid=build-note]').textContent));
    await page.waitForSelector('[data-testid=cancel-button]', { state: 'hidden' });
    let dialogs = 0;
    page.on('dialog', (d) => { dialogs++; d.dismiss(); });
    const closed = page.waitForEvent('close');
    await page.close({ runBeforeUnload: true });
    await closed;
    assert.equal(dialogs, 0, 'no question when nothing is in progress');
    assert.deepEqual(errors, []);
    await context.close();
  });
});
