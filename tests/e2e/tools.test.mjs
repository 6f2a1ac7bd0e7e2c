// The page with a tool in the spec: a virtio-win ISO whose guest-agent/ holds the QEMU guest
// agent's two packages (real MSI databases, examples/tool_fixtures.rs) and a spec of the user's
// own listing qemu-ga. The page shows the tool, where it came from and each package's product,
// and builds the CLI's bytes; an ISO whose amd64 package is the x86 one and whose x86 package
// is missing is refused with both findings, and the tools table marks the installer. A spec
// made from the ISO on the page lists the agent as an optional tool.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  OUTPUTS, cliOutputs, download, open, recheck, root, screenshot, session, sha256, toolFixtures, virtioIsoWithAgent, workDir,
} from './harness.mjs';

const work = workDir();
let run, browser, pages, good, bad, specPath, want;

before(async () => {
  const fixtures = toolFixtures(work);
  const i386 = join(fixtures, 'qemu-ga-i386.msi');
  const x64 = join(fixtures, 'qemu-ga-x86_64.msi');
  good = virtioIsoWithAgent(work, 'good', [['qemu-ga-i386.msi', i386], ['qemu-ga-x86_64.msi', x64]]);
  bad = virtioIsoWithAgent(work, 'bad', [['qemu-ga-x86_64.msi', i386]]);
  const spec = JSON.parse(readFileSync(join(root, 'specs', 'virtio-win-8.1.json'), 'utf8'));
  spec.tools = [{ name: 'qemu-ga', aliases: ['guest-agent'], installers: { x86: 'qemu-ga-i386.msi', amd64: 'qemu-ga-x86_64.msi' } }];
  specPath = join(work, 'with-qemu-ga.json');
  writeFileSync(specPath, JSON.stringify(spec, null, 2));
  want = cliOutputs(['--drivers-dir', good, '--spec', specPath, '--signing-policy', 'none'], work);
  run = await session();
  ({ pages, browser } = run);
});

after(async () => {
  if (run) await run.stop();
  rmSync(work, { recursive: true, force: true });
});

/** A page with the ISO `iso`, the user's spec and signing policy none chosen, its verdict shown. */
async function withInputs(label, iso) {
  const opened = await open(browser, pages[label]);
  const { page } = opened;
  await page.setInputFiles('[data-testid=bundle-input]', iso);
  await page.selectOption('[data-testid=signing-policy]', 'none');
  await recheck(page, () => page.setInputFiles('[data-testid=spec-input]', specPath));
  return opened;
}

const rowText = (page, arch) => page.textContent(`[data-testid=tools-table] tr[data-tool=qemu-ga] li[data-arch=${arch}]`);

for (const label of ['site', 'file']) {
  describe(`page (${label}): tools`, () => {
    test('qemu-ga from guest-agent/: shown with each package\'s product, built to the CLI\'s bytes', async () => {
      const { page, context, errors } = await withInputs(label, good);
      assert.match(await page.textContent('[data-testid=check-status]'), /^Accepted/);
      assert.ok(await page.isVisible('[data-testid=tools-section]'));
      assert.equal(await page.textContent('[data-testid=tools-summary]'), '1 of 1 tool of the spec present');
      const row = '[data-testid=tools-table] tr[data-tool=qemu-ga]';
      assert.equal(await page.getAttribute(row, 'data-state'), 'present');
      assert.match(await page.textContent(`${row} td[data-label=From]`), /guest-agent · 2 files/);
      // guest-agent/ is taken by the tool: no finding says it is left out.
      assert.equal(await page.$$eval('[data-testid=findings] li[data-code=LAY012]', (li) => li.length), 0);
      await page.click('[data-testid=build-button]');
      await page.waitForSelector('[data-testid=outputs]:not([hidden])', { timeout: 60000 });
      const got = {};
      for (const key of Object.keys(OUTPUTS)) {
        const { bytes } = await download(page, `download-${key}`);
        got[key] = bytes;
        assert.equal(sha256(bytes), want[key], `${OUTPUTS[key]} equals the CLI's`);
      }
      // The manifest lists the tool; the table shows the product codes it names.
      const manifest = JSON.parse(got.manifest.toString('utf8'));
      assert.deepEqual(manifest.tools[0].files, ['tools/qemu-ga/qemu-ga-i386.msi', 'tools/qemu-ga/qemu-ga-x86_64.msi']);
      for (const i of manifest.tools[0].installers) {
        assert.match(await rowText(page, i.arch), new RegExp(`QEMU guest agent · 108\\.0\\.2 · product \\${i.product_code.slice(0, -1)}\\}`));
      }
      await screenshot(page, `${label}-tools`);
      assert.deepEqual(errors, []);
      await context.close();
    });

    test('a spec made from the ISO lists qemu-ga as an optional tool and accepts it', async () => {
      const { page, context, errors } = await withInputs(label, good);
      await page.click('[data-testid=spec-panel] summary');
      await recheck(page, () => page.click('[data-testid=spec-make]'));
      assert.equal(await page.inputValue('[data-testid=spec-select]'), 'custom');
      const spec = JSON.parse(await page.inputValue('[data-testid=spec-editor]'));
      assert.deepEqual(spec.tools, [{
        name: 'qemu-ga', aliases: ['guest-agent'], required: false,
        installers: { amd64: 'qemu-ga-x86_64.msi', x86: 'qemu-ga-i386.msi' },
      }]);
      assert.match(await page.textContent('[data-testid=spec-editor-status]'), /, and an optional tool \(qemu-ga\)\. In use now/);
      assert.match(await page.textContent('[data-testid=check-status]'), /^Accepted/);
      assert.equal(await page.textContent('[data-testid=tools-summary]'), '1 of 1 tool of the spec present');
      assert.equal(await page.getAttribute('[data-testid=tools-table] tr[data-tool=qemu-ga]', 'data-state'), 'present');
      assert.deepEqual(errors, []);
      await context.close();
    });

    test('a missing x86 package and an x86 package named for amd64: refused, both named', async () => {
      const { page, context, errors } = await withInputs(label, bad);
      assert.match(await page.textContent('[data-testid=check-status]'), /^Rejected/);
      const finding = (code) => page.$$eval(`[data-testid=findings] li:not(.group)[data-code=${code}]`, (li) => li.map((x) => x.textContent));
      const missing = await finding('TOOL003');
      assert.equal(missing.length, 1);
      assert.match(missing[0], /its x86 installer "qemu-ga-i386\.msi" is not in the tool folder \(it holds qemu-ga-x86_64\.msi\)/);
      const wrong = await finding('TOOL004');
      assert.equal(wrong.length, 1);
      assert.match(wrong[0], /"qemu-ga-x86_64\.msi" cannot be the amd64 installer: it is a package for the Intel platform/);
      assert.match(await rowText(page, 'x86'), /qemu-ga-i386\.msi · not found/);
      assert.match(await rowText(page, 'amd64'), /qemu-ga-x86_64\.msi · not what it claims/);
      assert.equal(await page.getAttribute('[data-testid=tools-table] li[data-arch=amd64]', 'data-ok'), 'false');
      assert.equal(await page.textContent('[data-testid=tools-summary]'), '1 of 1 tool of the spec present · 1 required with problems');
      assert.ok(await page.isDisabled('[data-testid=build-button]'));
      assert.deepEqual(errors, []);
      await context.close();
    });
  });
}
