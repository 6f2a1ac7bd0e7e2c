// The scenario machinery shared by the scenario table (scenarios.test.mjs) and the regression
// check (regressions.test.mjs): set a Wine machine up as a scenario says, run setup.cmd and
// uninstall.cmd from a medium, and assert what they did. Every check throws with the full story
// (exit code, output, tool calls, state file).
import assert from 'node:assert/strict';
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { rules } from './rules.mjs';
import { TOOLS, winPath } from './wine.mjs';

let pc, media;

/** Adds `media.odd`: the test medium copied under a folder whose name has every character
 * cmd treats specially (scenarios with `odd` run from there). */
export function addOddCopy(media, work) {
  const odd = join(work, 'Guest (x86) & Tools ^1');
  mkdirSync(odd, { recursive: true });
  cpSync(media.test, join(odd, 'media'), { recursive: true });
  media.odd = join(odd, 'media');
  return media;
}

/** Runs what follows on the WinePc `machine` with the media folders `m` ({test, production,
 * none, odd?, several?, newer?}). */
export function use(machine, m) {
  pc = machine;
  media = m;
}

// Each Windows as a build number; the servers (names 2k…) are ProductType ServerNT machines.
export const BUILDS = {
  w7: 7601, 'w8.1': 9600, w10: 19045, w11: 22631,
  '2k8r2': 7601, '2k12r2': 9600, '2k16': 14393, '2k19': 17763, '2k22': 20348, '2k25': 26100,
};
export const WORKSTATIONS = ['w7', 'w8.1', 'w10', 'w11'];
const isServer = (os) => os.startsWith('2k');
const SVC = 'HKLM\\SYSTEM\\CurrentControlSet\\Services\\viostor';
export const UNINSTALL = 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall';

function flagsOf(s) {
  return [
    s.secureBoot && 'secureboot', s.tsPending && 'ts', s.bitlocker && 'bitlocker',
    s.pnputilFail && `fail${s.pnputilFail}`, s.psBlocked && 'psblocked', s.mediaBad && 'mediabad',
    s.msiFail && 'msifail', s.msiReboot && 'msireboot',
  ].filter(Boolean);
}

/** Sets the machine up for scenario `s` (registry), after a reset. */
export function prepare(s) {
  pc.reset();
  pc.rules(rules(media.toolCodes));
  pc.flags(flagsOf(s));
  const lines = [
    // Windows Installer's record of the tool packages: none, or the amd64 one already there.
    ...Object.values(media.toolCodes || {}).map((code) => `reg delete "${UNINSTALL}\\${code}" /f >nul 2>&1`),
    ...(s.toolInstalled ? [`reg add "${UNINSTALL}\\${media.toolCodes.amd64}" /v DisplayVersion /d 108.0.2 /f >nul`] : []),
    `reg add "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion" /v CurrentBuild /t REG_SZ /d ${BUILDS[s.os]} /f >nul`,
    // The machine's architecture as Windows keeps it for every process: ARM64 on the ARM64
    // machines (what an x64 program emulated there reads, its environment saying AMD64).
    `reg add "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Environment" /v PROCESSOR_ARCHITECTURE /t REG_SZ /d ${s.arch === 'arm64' ? 'ARM64' : 'AMD64'} /f >nul`,
    `reg add "HKLM\\SYSTEM\\CurrentControlSet\\Control\\ProductOptions" /v ProductType /t REG_SZ /d ${isServer(s.os) ? 'ServerNT' : 'WinNT'} /f >nul`,
    `reg add "HKLM\\SYSTEM\\CurrentControlSet\\Control" /v SystemStartOptions /t REG_SZ /d "${s.tsActive ? ' NOEXECUTE=OPTIN  TESTSIGNING' : ' NOEXECUTE=OPTIN'}" /f >nul`,
  ];
  const r = pc.run(lines);
  assert.equal(r.code, 0, r.stdout);
  // The machine must show the scenario's Windows before the scripts run; say so if Wine's
  // registry did not take it (rather than blame the scripts for reading "build 0").
  const build = reg('HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion', 'CurrentBuild');
  assert.equal(build, String(BUILDS[s.os]), `the Wine prefix does not show build ${BUILDS[s.os]}: ${r.stdout}`);
}

// wow64: started by a 32-bit process on 64-bit Windows (x86 cmd, PROCESSOR_ARCHITEW6432 set to
// the machine's AMD64 or ARM64): the scripts must start again under the native cmd (the
// Sysnative stand-in gives it a native environment) and then act as on that machine.
// emulated: an x64 program on ARM64 Windows, whose environment says AMD64 and nothing else.
const MACHINE = { x86: 'x86', x64: 'AMD64', arm64: 'ARM64' };
const archEnv = (s) => {
  if (s.wow64) return { PROCESSOR_ARCHITECTURE: 'x86', PROCESSOR_ARCHITEW6432: MACHINE[s.arch] };
  return { PROCESSOR_ARCHITECTURE: s.emulated ? 'AMD64' : MACHINE[s.arch], PROCESSOR_ARCHITEW6432: null };
};

/** The medium's driver folder the scripts must install from on scenario `s`'s machine: the
 * architecture's, under the OS folder `s.folder` on media for several Windows versions. */
export const driverFolder = (s) => {
  const arch = ({ x86: 'x86', x64: 'amd64', arm64: 'arm64' })[s.arch];
  return s.folder ? `${s.folder}\\${arch}` : arch;
};

export function runScript(s, script, args) {
  const dir = s.odd ? media.odd : media[s.medium || s.policy];
  // From the medium's folder by a relative name, in a child cmd: CALL would double the carets
  // of a quoted path, and Wine's CALL turns every non-zero `exit /b` of a batch file into 1.
  // ".\\" so that "verify.cmd" is not read as cmd's own VERIFY command.
  if (!s.wow64) return pc.run([`pushd "${winPath(dir)}"`, `cmd /d /c .\\${script} ${args}`], archEnv(s));
  // Wine gives every new 64-bit process a native environment (it turns PROCESSOR_ARCHITEW6432
  // into PROCESSOR_ARCHITECTURE), so a 32-bit parent is imitated by running the script in the
  // cmd that set those variables, through CALL. The exit code is then the native run's, which
  // the Sysnative stand-in records: Wine's CALL makes the script's own 0 or 1.
  const r = pc.run([`pushd "${winPath(dir)}"`, `call .\\${script} ${args}`], archEnv(s));
  const native = pc.read('C:\\standin\\sysnative-rc.txt');
  return native === null ? r : { ...r, code: Number.parseInt(native.trim(), 10) };
}

export function reg(key, value) {
  const r = pc.run([`reg query "${key}"${value ? ` /v ${value}` : ''}`]);
  // Wine now and then cannot start reg.exe at all: that is no answer about the key, and the
  // error carries Wine's words so that runScenario runs the scenario again.
  const quirk = WINE_COULD_NOT_START.exec(r.stdout);
  if (quirk) throw new Error(`reading ${key}: ${quirk[0]}`);
  if (r.code !== 0) {
    // reg's answer for a key or value that is not there; any other failure is reg not running
    // at all, which says nothing about the key either.
    if (/unable to find/i.test(r.stdout)) return null;
    throw new Error(`reading ${key}: reg did not run (exit ${r.code}): ${r.stdout.trim()}`);
  }
  if (!value) return r.stdout;
  const m = new RegExp(`${value}\\s+REG_\\w+\\s+(\\S*)`, 'i').exec(r.stdout);
  return m ? m[1] : '';
}

/** Everything a failure message needs: the calls, the output, the state file. */
export function story(label, result) {
  const log = (pc.read(`C:\\windows\\temp\\guest-tools-${label}.log`) || '(none)').split(/\r?\n/).slice(-40).join('\n');
  return `${label}: exit ${result.code}\n--- output ---\n${result.stdout}\n--- tool calls ---\n${pc.calls().join('\n')}\n--- state.txt ---\n${pc.read('C:\\ProgramData\\guest-tools\\state.txt') || '(none)'}\n--- end of the ${label} log ---\n${log}\n`;
}

const bcdSets = () => pc.calls().filter((c) => /^bcdedit .*testsigning on/i.test(c));

/** What a scenario expects, from the rules the scripts must follow. */
export function expectations(s) {
  const x64 = s.arch !== 'x86';
  const testMedia = s.policy === 'test';
  const wantsTs = testMedia && x64 && !s.notestsigning;
  const tsTurnedOn = wantsTs && !s.tsActive && !s.tsPending && !s.secureBoot;
  const tsNextBoot = s.tsActive || s.tsPending || tsTurnedOn;
  const viostorOk = !s.pnputilFail;
  // Boot-start only when winload will accept the signature at the next boot.
  const signatureOk = !x64 || s.policy === 'production' || (testMedia && tsNextBoot);
  const seeded = !s.skipstorage && viostorOk && signatureOk;
  let code = 0;
  if (s.pnputilFail || (wantsTs && s.secureBoot)) code = 1;
  else if (tsTurnedOn || (wantsTs && s.tsPending && !s.tsActive) || seeded) code = 3010;
  return { wantsTs, tsTurnedOn, seeded, code, legacy: BUILDS[s.os] < 14393, x64 };
}

export function checkSetup(s, r) {
  const x = expectations(s);
  const msg = story('setup', r);
  assert.equal(r.code, x.code, `exit code\n${msg}`);
  const adds = pc.calls().filter((c) => c.startsWith('pnputil'));
  assert.ok(adds.length >= 2, `pnputil ran for each driver\n${msg}`);
  if (s.wow64) {
    assert.ok(pc.calls().some((c) => c.startsWith('sysnative-cmd ')), `started again under the native cmd\n${msg}`);
  }
  const folder = driverFolder(s);
  const log = pc.read('C:\\windows\\temp\\guest-tools-setup.log') || '';
  // What was installed first, then what the log says about it.
  assert.ok(adds.every((c) => c.toLowerCase().includes(`\\drivers\\${folder}\\`)), `only the ${folder} drivers were added\n${msg}`);
  assert.ok(log.includes(`drivers from drivers\\${folder}\r\n`), `the log says drivers\\${folder} was chosen\n${msg}`);
  for (const c of adds) {
    assert.ok(x.legacy ? / -i -a /.test(` ${c} `) : /\/add-driver .* \/install/.test(c), `pnputil syntax for build ${BUILDS[s.os]}: ${c}\n${msg}`);
  }
  const start = reg(SVC, 'Start');
  assert.equal(start === '0x0', x.seeded, `viostor boot-start (Start=${start})\n${msg}`);
  assert.equal(pc.exists('C:\\windows\\system32\\drivers\\viostor.sys'), x.seeded, `viostor.sys copied\n${msg}`);
  if (x.seeded && x.legacy && BUILDS[s.os] < 9200) {
    assert.ok(reg('HKLM\\SYSTEM\\CurrentControlSet\\Control\\CriticalDeviceDatabase\\PCI#VEN_1AF4&DEV_1001', 'Service'), `CriticalDeviceDatabase\n${msg}`);
  }
  assert.equal(bcdSets().length > 0, x.wantsTs && !s.tsActive, `bcdedit asked to turn test signing on\n${msg}`);
  const suspended = pc.calls().some((c) => /^manage-bde .*-protectors -disable/i.test(c));
  assert.equal(suspended, !!(s.bitlocker && x.wantsTs && !s.tsActive), `BitLocker suspended before bcdedit\n${msg}`);
  if (suspended) {
    const calls = pc.calls();
    const i = calls.findIndex((c) => /^manage-bde .*-protectors -disable/i.test(c));
    assert.ok(i < calls.findIndex((c) => /^bcdedit .*testsigning on/i.test(c)), `BitLocker suspended first\n${msg}`);
  }
  // With Fast Startup "Shut down" hibernates: the boot-start setting needs a restart or a full
  // shutdown, and setup must say so.
  if (x.seeded) {
    assert.match(pc.read('C:\\windows\\temp\\guest-tools-setup.log') || '', /shutdown \/s \/t 0/, `how to shut down is said\n${msg}`);
  }
  // /quiet prints only errors: the explanation is in the log.
  if (!x.seeded && !s.skipstorage) {
    assert.match(pc.read('C:\\windows\\temp\\guest-tools-setup.log') || '', /boot-critical storage not pre-seeded: /, `the skip is explained in the log\n${msg}`);
  }
  return x;
}

export function checkUninstall(s, x, r) {
  const msg = story('uninstall', r);
  if (s.wow64) assert.ok(pc.calls().some((c) => c.startsWith('sysnative-cmd ')), `started again under the native cmd\n${msg}`);
  const keepsBootDriver = x.seeded && (s.running || s.deleteFail);
  if (!keepsBootDriver) {
    assert.deepEqual(pc.oemInfs(), [], `driver packages removed\n${msg}`);
    assert.equal(reg(SVC, 'Start'), null, `viostor service removed\n${msg}`);
    assert.equal(pc.exists('C:\\windows\\system32\\drivers\\viostor.sys'), false, `viostor.sys removed\n${msg}`);
    if (x.tsTurnedOn) assert.ok(pc.calls().some((c) => /^bcdedit .*(testsigning off|deletevalue)/i.test(c)), `test signing reverted\n${msg}`);
    assert.equal(pc.read('C:\\ProgramData\\guest-tools\\state.txt'), null, `state file gone\n${msg}`);
  } else {
    assert.equal(reg(SVC, 'Start'), '0x0', `a kept boot-critical driver keeps its service\n${msg}`);
    assert.ok(pc.exists('C:\\windows\\system32\\drivers\\viostor.sys'), `and its binary\n${msg}`);
    if (s.policy === 'test' && x.x64) {
      assert.ok(!pc.calls().some((c) => /^bcdedit .*(testsigning off|deletevalue)/i.test(c)), `test signing kept while a test-signed boot-start driver remains\n${msg}`);
      assert.ok(!pc.calls().some((c) => /^certutil -delstore/i.test(c)), `its certificate kept too\n${msg}`);
    }
    assert.equal(r.code, 1, `kept changes are exit 1\n${msg}`);
  }
}

export function name(s) {
  return Object.entries(s).map(([k, v]) => (v === true ? k : `${k}=${v}`)).join(' ');
}


// Wine's cmd, on a loaded machine, now and then fails to start one of the stand-ins and says
// "Can't recognize '<program>' as an internal or external command" (exit 9009) although the
// program is there (seen only while other heavy work shared the machine, never twice in a
// row). That is the test machine failing, not the scripts: such a run is repeated once, and
// said so (machineFailure lists what counts). Any other failure, or the same one twice, fails
// the scenario: the scripts are deterministic, so a fault of theirs fails both runs.
// Only Windows' own programs and the stand-ins count: a script path broken by bad quoting
// gives the same message and is a real failure.
const WINE_COULD_NOT_START = new RegExp(
  `Can't recognize '"?(?:C:\\\\windows\\\\system32\\\\[^'"]+|(?:${['reg', 'findstr', ...TOOLS].join('|')})(?:\\.exe)?)(?:"|\\s)[^']*' as an internal or external command`, 'i');

/**
 * Why a failed run was the machine rather than the scripts, or null. Besides Wine's own words:
 * the scripts read the build from the registry with `reg` and discard its errors, so a `reg`
 * Wine could not start shows only as a build the prepared registry does not hold; and a run
 * that never reached its end (no exit code) was killed or hung in Wine.
 */
function machineFailure(s, message) {
  const m = WINE_COULD_NOT_START.exec(message);
  if (m) return `Wine could not start a program (${m[0]})`;
  const read = /windows build (\d+), architecture/i.exec(message);
  if (read && Number(read[1]) !== BUILDS[s.os]) return `the scripts read build ${read[1]}, not the registry's ${BUILDS[s.os]}`;
  if (/^\w+: exit null$/m.test(message)) return 'the run never finished';
  // Wine's cmd at times cannot start the child cmd of a `for /f ('command')`; Windows' always can.
  if (/^Can't recognize 'CMD\.EXE \/C /im.test(message)) return 'Wine could not start a child cmd';
  // The same for the cmd the harness starts each script in (runScript's own command line).
  if (/^Can't recognize 'cmd \/d \/c \.\\/im.test(message)) return 'Wine could not start the cmd a script runs in';
  if (/reg did not run \(exit/.test(message)) return 'Wine could not run reg';
  // Wine's start of the very first program of a run (the machine's own cmd) can fail outright.
  if (/ShellExecuteEx failed: Internal error/.test(message)) return 'Wine could not start cmd';
  return null;
}

/** Runs `check` (which prepares the machine for `s` itself) once more when its failure was
 * the test machine's (machineFailure), saying so; a failure of the scripts fails both runs. */
export function onWine(s, check) {
  try {
    check();
  } catch (e) {
    const why = machineFailure(s, String(e.message));
    if (!why) throw e;
    process.stderr.write(`guest: ${why}; running the scenario again\n`);
    check();
  }
}

/** setup.cmd then uninstall.cmd for scenario `s`, each checked against the rules. */
export function runScenario(s) {
  onWine(s, () => runScenarioOnce(s));
}

function runScenarioOnce(s) {
  prepare(s);
  const args = ['/quiet', s.skipstorage && '/skipstorage', s.notestsigning && '/notestsigning']
    .filter(Boolean).map((a) => (s.quotedSwitch ? `"${a}"` : a)).join(' ');
  const r = runScript(s, 'setup.cmd', args);
  const x = checkSetup(s, r);
  // Between the two: the machine as setup left it, plus what the scenario changes.
  const flags = pc.readFlags().filter((f) => !f.startsWith('fail'));
  if (s.running) flags.push('running');
  if (s.deleteFail) flags.push('deletefail');
  pc.flags(flags);
  pc.clearCalls();
  const u = runScript(s, 'uninstall.cmd', '/quiet');
  checkUninstall(s, x, u);
}

/**
 * setup.cmd then uninstall.cmd from the tool medium: the drivers as in every scenario, then the
 * tools (the batch one on every machine, the package of the machine's architecture), installed silently by its package and
 * recorded by product code (unless /skiptools, or Windows Installer already has it), and removed
 * by that code again.
 */
export function runToolScenario(s) {
  onWine(s, () => runToolScenarioOnce(s));
}

function runToolScenarioOnce(s) {
  prepare(s);
  const args = ['/quiet', s.skiptools && '/skiptools'].filter(Boolean).join(' ');
  const r = runScript(s, 'setup.cmd', args);
  const msg = story('setup', r);
  const log = pc.read('C:\\windows\\temp\\guest-tools-setup.log') || '';
  const arch = { x86: 'x86', x64: 'amd64', arm64: 'arm64' }[s.arch];
  const code = media.toolCodes[arch];
  const file = { x86: 'qemu-ga-i386.msi', amd64: 'qemu-ga-x86_64.msi' }[arch];
  const installs = pc.calls().filter((c) => /^msiexec .*\/i /i.test(c));
  const expectInstall = !!file && !s.skiptools && !s.toolInstalled;
  assert.equal(installs.length, expectInstall ? 1 : 0, `msiexec /i calls\n${msg}`);
  if (expectInstall) {
    // The package of this architecture, silently, no restart, from tools\qemu-ga\ of the medium
    // (the stand-in logs its arguments as the program received them, without quotes).
    assert.match(installs[0], new RegExp(`/i \\S*\\\\tools\\\\qemu-ga\\\\${file.replace(/\./g, '\\.')} /qn /norestart`, 'i'), msg);
    // Tools come after the drivers.
    const calls = pc.calls();
    assert.ok(calls.findIndex((c) => c.startsWith('msiexec')) > calls.findLastIndex((c) => c.startsWith('pnputil')), `tools after drivers\n${msg}`);
  }
  const state = pc.read('C:\\ProgramData\\guest-tools\\state.txt') || '';
  const agentSetup = pc.read('C:\\ProgramData\\guestpack-agent\\installed.txt');
  const recorded = state.includes(`tool|qemu-ga|msi|${code}`);
  assert.equal(recorded, expectInstall && !s.msiFail, `state records the tool by product code\n${msg}`);
  assert.equal(reg(`${UNINSTALL}\\${media.toolCodes.amd64}`) !== null || reg(`${UNINSTALL}\\${media.toolCodes.x86}`) !== null,
    (expectInstall && !s.msiFail) || !!s.toolInstalled, `the product is installed\n${msg}`);
  if (!file) assert.match(log, /tool qemu-ga: this medium has no installer for arm64/, msg);
  if (s.skiptools) assert.match(log, /tools skipped \(\/skiptools\)/, msg);
  if (s.toolInstalled) assert.match(log, /tool qemu-ga is already installed \(product \{[0-9A-F-]+\}\); left as it is/, msg);
  if (s.msiFail) {
    assert.equal(r.code, 1, `a failed tool fails setup\n${msg}`);
    assert.match(r.stdout, /tool qemu-ga could not be installed from tools\\qemu-ga\\qemu-ga-x86_64\.msi: the package failed/, msg);
  } else {
    const x = expectations(s);
    const want = s.msiReboot && expectInstall ? 3010 : x.code;
    assert.equal(r.code, want, `exit code\n${msg}`);
  }
  pc.flags(pc.readFlags().filter((f) => !f.startsWith('fail') && !f.startsWith('msi')));
  pc.clearCalls();
  const u = runScript(s, 'uninstall.cmd', '/quiet');
  const umsg = story('uninstall', u);
  const removes = pc.calls().filter((c) => /^msiexec .*\/x /i.test(c));
  if (recorded) {
    assert.deepEqual(removes, [`msiexec /x ${code} /qn /norestart`], `removed by product code\n${umsg}`);
    assert.equal(reg(`${UNINSTALL}\\${code}`), null, `the product is gone\n${umsg}`);
  } else {
    assert.deepEqual(removes, [], `only what setup installed is removed\n${umsg}`);
  }
  if (s.toolInstalled) assert.notEqual(reg(`${UNINSTALL}\\${media.toolCodes.amd64}`), null, `a product setup did not install stays\n${umsg}`);
  // The batch tool: installed everywhere (one installer for all) unless /skiptools, with its
  // arguments; removed by the uninstall command the spec names, with its arguments.
  const AGENT = 'C:\\ProgramData\\guestpack-agent';
  if (s.skiptools) {
    assert.equal(agentSetup, null, `no tool installed with /skiptools\n${msg}`);
  } else {
    assert.match(agentSetup || '', /^installed \/S\s*$/, `the batch tool ran with its arguments\n${msg}`);
    assert.ok(state.includes(`tool|agent|cmd|${AGENT}\\uninstall.cmd|/S`), `the batch tool recorded with its uninstall command\n${msg}`);
    assert.equal(pc.read(`${AGENT}\\installed.txt`), null, `the batch tool removed\n${umsg}`);
    assert.match(pc.read(`${AGENT}\\removed.txt`) || '', /^removed \/S\s*$/, `its uninstall command ran with its arguments\n${umsg}`);
  }
  assert.equal(pc.read('C:\\ProgramData\\guest-tools\\state.txt'), null, `state file gone\n${umsg}`);
}
