// Each fault the guest scripts once had, put back on its own into a copy of today's payload:
// the scenario written for it must then fail, and for its own reason. This shows that every
// scenario can fail (it is not passing by accident) and pins each fix to the check that guards
// it. A mutation that no longer applies (the text it replaces changed) fails loudly, so the
// list is kept in step with the scripts.
//
// Not here: the other half of finding 9, %~dp0 read after SHIFT. On Windows SHIFT moves %0 and
// %~dp0 follows it (a quoted first switch makes it the drive root); Wine's cmd moves %0 but
// still gives the batch file's folder for %~dp0, so the old form passes under Wine. The
// quotedSwitch scenario stays in the table for the behaviour both share.
import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { addOddCopy, name, prepare, runScenario, runScript, story, use } from './lab.mjs';
import { WinePc, buildMedia, root, workDir } from './wine.mjs';

const work = workDir();
let pc;

before(() => {
  pc = WinePc.create(work);
});

after(() => {
  if (pc) pc.stop();
  rmSync(work, { recursive: true, force: true });
});

const DEPLOY = { os: 'w10', arch: 'x64', policy: 'production' };

// [finding, file, text as it is now, the old behaviour, scenario, what the failure must say]
const FAULTS = [
  ['1 storage driver made boot-start whatever its signature', 'setup.cmd',
    'if "%GT_ARCH%"=="x86" goto seed_devices', 'goto seed_devices',
    { os: 'w11', arch: 'x64', policy: 'test', secureBoot: true }, /viostor boot-start/],
  ['2 test signing turned off under a kept test-signed boot driver', 'uninstall.cmd',
    'if defined GT_BOOTLEFT set "GT_MSG=kept test signing on:', 'if "" == "x" set "GT_MSG=kept test signing on:',
    { os: 'w7', arch: 'x64', policy: 'test', running: true }, /test signing kept while a test-signed boot-start driver remains/],
  ['3 BitLocker not suspended before bcdedit', 'setup.cmd',
    'call :suspend_bitlocker', 'set "GT_BDE_FAILED=0"',
    { os: 'w11', arch: 'x64', policy: 'test', bitlocker: true }, /BitLocker suspended before bcdedit/],
  ['4 "shut Windows down" (a hibernate with Fast Startup)', 'setup.cmd',
    'restart Windows once, or shut down completely with: shutdown /s /t 0', 'shut Windows down',
    { ...DEPLOY }, /how to shut down is said/],
  ['5 service deleted before its package', 'uninstall.cmd',
    'set "GT_PASS=driver" & call :undo_pass\r\nset "GT_PASS=regkey" & call :undo_pass\r\nset "GT_PASS=regvalue" & call :undo_pass\r\nset "GT_PASS=svckey" & call :undo_pass\r\nset "GT_PASS=file" & call :undo_pass',
    'set "GT_PASS=regkey" & call :undo_pass\r\nset "GT_PASS=regvalue" & call :undo_pass\r\nset "GT_PASS=svckey" & call :undo_pass\r\nset "GT_PASS=file" & call :undo_pass\r\nset "GT_PASS=driver" & call :undo_pass',
    { os: 'w10', arch: 'x64', policy: 'test', deleteFail: true }, /a kept boot-critical driver keeps its service/],
  ['6 pending test signing reported as done, exit 0', 'setup.cmd',
    'call :log & >>"%GT_REBOOT%" echo testsigning & goto :eof', 'call :log & goto :eof',
    { os: 'w10', arch: 'x64', policy: 'test', tsPending: true, skipstorage: true }, /exit code/],
  ['7 any pnputil exit code is success when a package appeared', 'setup.cmd',
    'if "%GT_RC%"=="259" set "GT_OK=1"', 'if "%GT_RC%"=="259" set "GT_OK=1"\r\nif defined GT_NEWOEM set "GT_OK=1"',
    { os: 'w10', arch: 'x64', policy: 'test', pnputilFail: 'staged' }, /exit code|viostor boot-start/],
  ['9 WOW64 relaunch with the path in the command line', 'setup.cmd',
    '/d /c ""%%GT_SELF%%" %GT_FWD_ARGS%"', '/d /c "%GT_SELF%" %GT_FWD_ARGS%',
    { os: 'w7', arch: 'x64', policy: 'test', wow64: true, odd: true }, /exit code|started again|pnputil ran/],
  ['10 an x64 program emulated on ARM64 Windows installs the amd64 drivers', 'setup.cmd',
    'do if /i "%%A"=="ARM64" set "GT_PA=ARM64"', 'do if /i "%%A"=="never" set "GT_PA=ARM64"',
    { os: 'w11', arch: 'arm64', policy: 'production', emulated: true }, /only the arm64 drivers were added/],
];

/** A copy of guest-tools/ with `from` replaced by `to` in `file` (exactly one occurrence). */
function mutant(dir, file, from, to) {
  cpSync(join(root, 'guest-tools'), dir, { recursive: true });
  const path = join(dir, file);
  const text = readFileSync(path, 'latin1');
  assert.equal(text.split(from).length, 2, `${file} no longer holds exactly one ${JSON.stringify(from)}: update this mutation`);
  const changed = text.replace(from, to);
  writeFileSync(path, changed, 'latin1');
  return dir;
}

describe('each old fault fails its scenario', () => {
  FAULTS.forEach(([finding, file, from, to, s, reason], i) => {
    test(`finding ${finding}: ${name(s)}`, () => {
      process.stderr.write(`guest regression: finding ${finding}\n`);
      const dir = join(work, `m${i}`);
      const media = addOddCopy(buildMedia(dir, mutant(join(dir, 'payload'), file, from, to)), dir);
      use(pc, media);
      assert.throws(() => runScenario(s), reason);
    });
  });

  test('finding 8: verify without PowerShell running says "changed" (exit 1), not "could not verify"', () => {
    process.stderr.write('guest regression: finding 8\n');
    const dir = join(work, 'm8');
    const from = 'findstr /b /c:"verify: " "%GT_OUT%" >nul 2>&1\r\n';
    const media = buildMedia(dir, mutant(join(dir, 'payload'), 'verify.cmd', from, 'ver >nul\r\n'));
    use(pc, media);
    const s = { ...DEPLOY, psBlocked: true };
    prepare(s);
    const r = runScript(s, 'verify.cmd', '/quiet');
    assert.equal(r.code, 1, story('verify', r));
  });
});
