// The guest scripts run, not just read: setup.cmd, uninstall.cmd and verify.cmd of media built
// by guestpack, under Wine's cmd.exe with stand-in tools (tests/guest/wine.mjs). Each scenario
// sets the Windows build, architecture, signing policy, Secure Boot (bcdedit refusing test
// signing), test-signing and BitLocker state and which tool fails, then asserts what the
// scripts did — the pnputil syntax, whether the storage driver was made boot-start, whether
// test signing was touched, BitLocker suspended, the exit code — and that uninstall reverses
// it. A failing scenario prints every tool call and the scripts' output.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { WORKSTATIONS, addOddCopy, name, onWine, prepare, runScenario, runScript, runToolScenario, story, use } from './lab.mjs';
import { WinePc, buildMedia, buildSeveralMedia, buildToolMedia, workDir } from './wine.mjs';

const work = workDir();
let pc, media;

before(() => {
  media = buildToolMedia(work, buildSeveralMedia(work, addOddCopy(buildMedia(work), work)));
  pc = WinePc.create(work);
  use(pc, media);
});

after(() => {
  if (pc) pc.stop();
  rmSync(work, { recursive: true, force: true });
});

// The table: every Windows × architecture × policy, then each failure mode on the cases where
// it matters.
const scenarios = [];
for (const os of WORKSTATIONS) {
  for (const arch of ['x64', 'x86']) {
    for (const policy of ['test', 'production', 'none']) scenarios.push({ os, arch, policy });
  }
}
for (const os of ['w10', 'w11', 'w7']) {
  scenarios.push({ os, arch: 'x64', policy: 'test', secureBoot: true });
  scenarios.push({ os, arch: 'x64', policy: 'test', tsActive: true });
  scenarios.push({ os, arch: 'x64', policy: 'test', tsPending: true });
  scenarios.push({ os, arch: 'x64', policy: 'test', pnputilFail: 'staged' });
  scenarios.push({ os, arch: 'x64', policy: 'production', pnputilFail: 'rejected' });
}
scenarios.push({ os: 'w11', arch: 'x64', policy: 'test', bitlocker: true });
scenarios.push({ os: 'w7', arch: 'x64', policy: 'test', bitlocker: true });
scenarios.push({ os: 'w11', arch: 'x64', policy: 'test', bitlocker: true, tsActive: true });
scenarios.push({ os: 'w10', arch: 'x64', policy: 'test', notestsigning: true });
scenarios.push({ os: 'w10', arch: 'x64', policy: 'production', skipstorage: true });
scenarios.push({ os: 'w10', arch: 'x64', policy: 'test', tsPending: true, skipstorage: true });
scenarios.push({ os: 'w10', arch: 'x64', policy: 'test', tsActive: true, running: true });
scenarios.push({ os: 'w7', arch: 'x64', policy: 'test', running: true });
scenarios.push({ os: 'w10', arch: 'x64', policy: 'production', running: true });
scenarios.push({ os: 'w10', arch: 'x64', policy: 'test', deleteFail: true });
scenarios.push({ os: 'w7', arch: 'x64', policy: 'production', deleteFail: true });
scenarios.push({ os: 'w10', arch: 'x64', policy: 'test', odd: true });
scenarios.push({ os: 'w10', arch: 'x64', policy: 'production', quotedSwitch: true });
scenarios.push({ os: 'w10', arch: 'x64', policy: 'production', wow64: true });
scenarios.push({ os: 'w7', arch: 'x64', policy: 'test', wow64: true, odd: true });
// ARM64 Windows (10 and 11): from its native cmd, from a 32-bit cmd (x86 emulation, WOW64) and
// from an emulated x64 program, whose environment says AMD64.
for (const os of ['w10', 'w11']) {
  scenarios.push({ os, arch: 'arm64', policy: 'test' });
  scenarios.push({ os, arch: 'arm64', policy: 'production' });
}
scenarios.push({ os: 'w11', arch: 'arm64', policy: 'production', wow64: true });
scenarios.push({ os: 'w11', arch: 'arm64', policy: 'test', emulated: true });

describe('setup.cmd then uninstall.cmd', () => {
  for (const s of scenarios) {
    test(name(s), () => {
      process.stderr.write(`guest scenario: ${name(s)}\n`);
      runScenario(s);
    });
  }
});

// Media for several Windows versions: each machine installs from the OS folder made for it, else
// the nearest older one (its own product type first, then the other, newest first), and says
// which in its log. `several` holds w7, w10, w11 and 2k16; `newer` only w10 and w11.
const choices = [
  ['w7', 'x64', 'w7'], ['w7', 'x86', 'w7'], ['w8.1', 'x64', 'w7'], ['w8.1', 'x86', 'w7'],
  ['w10', 'x64', 'w10'], ['w10', 'x86', 'w10'], ['w10', 'arm64', 'w10'],
  ['w11', 'x64', 'w11'], ['w11', 'arm64', 'w11'],
  ['2k8r2', 'x64', 'w7'], ['2k12r2', 'x64', 'w7'],
  ['2k16', 'x64', '2k16'], ['2k19', 'x64', '2k16'], ['2k22', 'x64', '2k16'], ['2k25', 'x64', '2k16'],
].map(([os, arch, folder]) => ({ os, arch, policy: 'none', medium: 'several', folder }));
choices.push({ os: '2k22', arch: 'x64', policy: 'none', medium: 'newer', folder: 'w10' });
choices.push({ os: '2k25', arch: 'x64', policy: 'none', medium: 'newer', folder: 'w11' });
choices.push({ os: 'w11', arch: 'arm64', policy: 'none', medium: 'newer', folder: 'w11', wow64: true });

describe('the OS folder of media for several Windows versions', () => {
  for (const s of choices) {
    test(name(s), () => {
      process.stderr.write(`guest scenario: ${name(s)}\n`);
      runScenario(s);
    });
  }
  for (const os of ['w7', 'w8.1', '2k12r2']) {
    test(`no OS folder fits ${os}: exit 2, nothing installed`, () => {
      const s = { os, arch: 'x64', policy: 'none', medium: 'newer' };
      onWine(s, () => {
        prepare(s);
        const r = runScript(s, 'setup.cmd', '/quiet');
        const msg = story('setup', r);
        assert.equal(r.code, 2, msg);
        assert.equal(pc.calls().filter((c) => c.startsWith('pnputil')).length, 0, msg);
        assert.match(r.stdout, /holds drivers for w10 w11 only, none for this Windows \(build \d+, (workstation|server), amd64\)/, msg);
      });
    });
  }
});

// Tools: the QEMU guest agent installed after the drivers by the package for the machine's
// architecture, recorded by product code and removed by it; none for arm64 (virtio-win ships
// none); left alone when Windows Installer already has it; skipped by /skiptools; a failing
// package fails setup; a package asking for a restart makes setup ask for one.
const toolScenarios = [
  { os: 'w10', arch: 'x64', policy: 'none', medium: 'tools' },
  { os: 'w10', arch: 'x86', policy: 'none', medium: 'tools' },
  { os: 'w7', arch: 'x64', policy: 'none', medium: 'tools' },
  { os: 'w11', arch: 'arm64', policy: 'none', medium: 'tools' },
  { os: 'w10', arch: 'x64', policy: 'none', medium: 'tools', wow64: true },
  { os: 'w10', arch: 'x64', policy: 'none', medium: 'tools', toolInstalled: true },
  { os: 'w10', arch: 'x64', policy: 'none', medium: 'tools', skiptools: true },
  { os: 'w10', arch: 'x64', policy: 'none', medium: 'tools', msiFail: true },
  { os: 'w10', arch: 'x64', policy: 'none', medium: 'tools', msiReboot: true },
];

describe('tools: setup installs them, uninstall removes them', () => {
  for (const s of toolScenarios) {
    test(name(s), () => {
      process.stderr.write(`guest scenario: ${name(s)}\n`);
      runToolScenario(s);
    });
  }
});

describe('verify.cmd and /verify-media', () => {
  const base = { os: 'w10', arch: 'x64', policy: 'production' };
  test('a medium that matches: exit 0', () => {
    onWine(base, () => {
      prepare(base);
      const r = runScript(base, 'verify.cmd', '/quiet');
      assert.equal(r.code, 0, story('verify', r));
    });
  });
  test('a changed file: exit 1', () => {
    onWine(base, () => {
      prepare({ ...base, mediaBad: true });
      const r = runScript(base, 'verify.cmd', '/quiet');
      assert.equal(r.code, 1, story('verify', r));
    });
  });
  test('PowerShell scripts blocked by policy: exit 2 "could not verify", not "changed"', () => {
    onWine(base, () => {
      prepare({ ...base, psBlocked: true });
      const r = runScript(base, 'verify.cmd', '/quiet');
      assert.equal(r.code, 2, story('verify', r));
      assert.match(r.stdout, /could not verify/i, story('verify', r));
    });
  });
  test('setup /verify-media stops on a changed medium and installs nothing', () => {
    const s = { ...base, mediaBad: true };
    onWine(s, () => {
      prepare(s);
      const r = runScript(s, 'setup.cmd', '/quiet /verify-media');
      assert.equal(r.code, 3, story('setup', r));
      assert.equal(pc.calls().filter((c) => c.startsWith('pnputil')).length, 0, story('setup', r));
    });
  });
  test('setup /verify-media with PowerShell blocked says it could not verify', () => {
    const s = { ...base, psBlocked: true };
    onWine(s, () => {
      prepare(s);
      const r = runScript(s, 'setup.cmd', '/quiet /verify-media');
      assert.equal(r.code, 3, story('setup', r));
      assert.match(r.stdout, /could not verify/i, story('setup', r));
    });
  });
});
