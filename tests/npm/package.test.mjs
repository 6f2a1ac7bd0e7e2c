// The npm package as a user gets it: pkg/npm/ (scripts/build-npm.mjs, after
// scripts/build-wasm.sh) packed with `npm pack`, installed from the tarball into an empty
// project without the network, then used from there: the sample built with every default
// must give the golden bytes, and `tsc --strict` must accept an example that uses every API
// through the package's own declarations. Run by scripts/test-wasm.sh.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { toolFixtures, virtioIsoWithAgent } from '../e2e/harness.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const here = join(root, 'tests', 'npm');
let work, project;

const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

before(() => {
  run('node', [join(root, 'scripts', 'build-npm.mjs')], root);
  work = mkdtempSync(join(tmpdir(), 'guestpack-npm-'));
  run('npm', ['pack', join(root, 'pkg', 'npm'), '--pack-destination', work, '--silent'], work);
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  assert.ok(tarball, 'npm pack made a tarball');
  project = join(work, 'project');
  run('mkdir', ['-p', project], work);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', join(work, tarball)], project);
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the packed package holds the module, the worker, the client and their declarations', () => {
  const installed = join(project, 'node_modules', 'guestpack');
  const files = run('find', ['.', '-type', 'f'], installed).split('\n').filter(Boolean).map((f) => f.slice(2)).sort();
  assert.deepEqual(files, [
    'README.md', 'client.cjs', 'client.d.ts', 'guestpack-worker.js', 'guestpack.d.ts', 'guestpack.js',
    'guestpack_bg.wasm', 'guestpack_bg.wasm.d.ts', 'no-modules/guestpack.js', 'no-modules/guestpack_bg.wasm',
    'package.json',
  ]);
  const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
  const cargo = /^version = "([^"]+)"/m.exec(readFileSync(join(root, 'Cargo.toml'), 'utf8'))[1];
  assert.equal(pkg.name, 'guestpack');
  assert.equal(pkg.version, cargo);
  // The declarations are typed, not `any`, wherever the core takes options or gives a report.
  const dts = readFileSync(join(installed, 'guestpack.d.ts'), 'utf8');
  assert.match(dts, /export function validate\(drivers: Bundle, options: Options \| undefined\): Report;/);
  assert.match(dts, /export interface Report \{/);
  // (The raw exports of `InitOutput`, each `readonly name: (…) => …`, stay as generated.)
  assert.doesNotMatch(dts.replace(/readonly \w+: \([^\n]*/g, ''), /: any\b/);
});

test('the installed package builds the sample to the golden bytes in Node', () => {
  copyFileSync(join(here, 'sample.mjs'), join(project, 'sample.mjs'));
  const got = JSON.parse(run('node', ['sample.mjs'], project));
  const golden = JSON.parse(readFileSync(join(root, 'tests', 'golden', 'parity.json'), 'utf8'))['sample/defaults'];
  assert.equal(got.accepted, true);
  assert.equal(got.client, 'function', 'guestpack/client exports GuestpackClient');
  assert.equal(got['guest-tools.iso'], golden.iso.sha256);
  assert.equal(got['guest-tools.zip'], golden.zip.sha256);
  assert.equal(got['manifest.json'], golden.manifest.sha256);
});

test('tsc --strict accepts an example using every API through the package\'s declarations', () => {
  copyFileSync(join(here, 'example.ts'), join(project, 'example.ts'));
  copyFileSync(join(here, 'tsconfig.json'), join(project, 'tsconfig.json'));
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    run('node', [tsc, '-p', join(project, 'tsconfig.json')], project);
  } catch (e) {
    assert.fail(`tsc rejected the example:\n${e.stdout}${e.stderr}`);
  }
  // And rejects a misspelled option: the options type is exact, not `any`.
  writeFileSync(join(project, 'example.ts'), "import { validate, sampleBundle } from 'guestpack';\n" +
    "validate(sampleBundle(), { zipLvl: 3 });\n");
  assert.throws(() => run('node', [tsc, '-p', join(project, 'tsconfig.json')], project),
    (e) => /zipLvl/.test(e.stdout), 'tsc names the unknown option');
});

test('the installed package reports tools, their findings and the manifest\'s tools in Node', () => {
  const fixtures = toolFixtures(work);
  const i386 = join(fixtures, 'qemu-ga-i386.msi');
  const good = virtioIsoWithAgent(work, 'good', [['qemu-ga-i386.msi', i386], ['qemu-ga-x86_64.msi', join(fixtures, 'qemu-ga-x86_64.msi')]]);
  const bad = virtioIsoWithAgent(work, 'bad', [['qemu-ga-x86_64.msi', i386], ['qemu-ga-i386.msi', join(fixtures, 'not-a-package.msi')]]);
  const spec = JSON.parse(readFileSync(join(root, 'specs', 'virtio-win-8.1.json'), 'utf8'));
  spec.tools = [{ name: 'qemu-ga', aliases: ['guest-agent'], installers: { x86: 'qemu-ga-i386.msi', amd64: 'qemu-ga-x86_64.msi' } }];
  writeFileSync(join(project, 'qemu-ga.json'), JSON.stringify(spec));
  copyFileSync(join(here, 'tools.mjs'), join(project, 'tools.mjs'));
  const got = JSON.parse(run('node', ['tools.mjs', 'qemu-ga.json', good, bad], project));

  const ok = got['good.iso'];
  assert.equal(ok.accepted, true, ok.findings.join('\n'));
  assert.equal(ok.tools[0].source, 'guest-agent');
  assert.deepEqual(ok.tools[0].installers.map((i) => [i.arch, i.kind, i.ok, i.productName]),
    [['x86', 'msi', true, 'QEMU guest agent'], ['amd64', 'msi', true, 'QEMU guest agent']]);
  assert.deepEqual(ok.manifestTools[0].files, ['tools/qemu-ga/qemu-ga-i386.msi', 'tools/qemu-ga/qemu-ga-x86_64.msi']);
  assert.deepEqual(ok.manifestTools[0].installers.map((i) => i.product_code), ok.tools[0].installers.map((i) => i.productCode));

  const no = got['bad.iso'];
  assert.equal(no.accepted, false);
  assert.deepEqual(no.findings, [
    'error TOOL004 tools/qemu-ga/qemu-ga-i386.msi: tool "qemu-ga": "qemu-ga-i386.msi" cannot be the x86 installer: it is not an OLE compound file, as every Windows Installer package is',
    'error TOOL004 tools/qemu-ga/qemu-ga-x86_64.msi: tool "qemu-ga": "qemu-ga-x86_64.msi" cannot be the amd64 installer: it is a package for the Intel platform (its summary\'s Template), not amd64',
  ]);
  assert.equal(no.manifestTools, undefined, 'nothing built');
});
