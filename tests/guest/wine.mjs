// Runs the guest scripts of a medium really built by guestpack under Wine's cmd.exe, with
// stand-in Windows tools (tests/guest/standin.c: pnputil, bcdedit, certutil, powershell,
// manage-bde, net, fltmc, sc, choice) that log every call and answer as each scenario says,
// and a findstr that works (Wine 8.0's prints nothing). The Windows build, architecture and
// test-signing state are set per scenario through Wine's registry and environment.
//
// Wine's cmd is not Windows' cmd: it differs in ways the scripts never rely on (the tests say
// where a difference matters), and nothing here runs a real driver install.
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, '..', '..');

export const TOOLS = ['pnputil', 'bcdedit', 'certutil', 'powershell', 'manage-bde', 'net', 'fltmc', 'sc', 'choice', 'msiexec'];
export const THUMB = '0123456789ABCDEF0123456789ABCDEF01234567';

/** Every registry key the guest scripts create, deleted before each scenario. */
const RESET_REGISTRY = [
  'reg delete "HKLM\\SYSTEM\\CurrentControlSet\\Services\\viostor" /f >nul 2>&1',
  'reg delete "HKLM\\SYSTEM\\CurrentControlSet\\Control\\CriticalDeviceDatabase\\PCI#VEN_1AF4&DEV_1042" /f >nul 2>&1',
  'reg delete "HKLM\\SYSTEM\\CurrentControlSet\\Control\\CriticalDeviceDatabase\\PCI#VEN_1AF4&DEV_1001" /f >nul 2>&1',
];

/** Builds guestpack (release) once and returns its path. */
function cli() {
  const bin = join(root, 'target/release/guestpack');
  execFileSync('cargo', ['build', '--release', '--bin', 'guestpack'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  return bin;
}

/**
 * Media of the sample drivers for each signing policy, extracted into folders: the files the
 * guest sees. `test` media carry the certificate the sample is signed with in certs/ (the
 * stand-in certutil and PowerShell never parse it). guestpack refuses production media of
 * test-signed drivers, and no driver here is Microsoft-signed: the `production` medium is the
 * `none` one with its manifest saying production — what the scripts read, the only difference
 * between the two that they see. `payload` is the guest-tools folder to build them from: by
 * default $GUEST_TOOLS_DIR (e.g. an older guest-tools/, to see which scenarios it fails), else
 * this repository's.
 */
export function buildMedia(work, payload = process.env.GUEST_TOOLS_DIR || join(root, 'guest-tools')) {
  const bin = cli();
  const media = {};
  // The sample's default spec carrying all three architectures: the sample then has x86, amd64
  // and arm64 drivers, and each machine must pick its own.
  mkdirSync(work, { recursive: true });
  const spec = JSON.parse(readFileSync(join(root, 'specs', 'win7-virtio-win.json'), 'utf8'));
  spec.arches = ['x86', 'amd64', 'arm64'];
  const specPath = join(work, 'three-arches.json');
  writeFileSync(specPath, JSON.stringify(spec));
  for (const policy of ['test', 'production', 'none']) {
    let gt = ['--guest-tools-dir', payload];
    if (policy === 'test') {
      const dir = join(work, 'gt-test');
      cpSync(payload, dir, { recursive: true });
      mkdirSync(join(dir, 'certs'), { recursive: true });
      cpSync(join(root, 'src', 'bundled', 'sample-test-signing.cer'), join(dir, 'certs', 'test-root.cer'));
      gt = ['--guest-tools-dir', dir];
    }
    const built = policy === 'production' ? 'none' : policy;
    const out = join(work, `out-${policy}`);
    const env = { ...process.env };
    delete env.SOURCE_DATE_EPOCH;
    execFileSync(bin, ['--sample', '--spec', specPath, ...gt, '--signing-policy', built, '--out-dir', out, '--quiet'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    const dir = join(work, `media-${policy}`);
    execFileSync('python3', ['-c', 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])', join(out, 'guest-tools.zip'), dir]);
    if (built !== policy) {
      const manifest = join(dir, 'manifest.json');
      const text = readFileSync(manifest, 'utf8');
      const edited = text.replace('"signing_policy": "none"', `"signing_policy": "${policy}"`);
      if (edited === text) throw new Error(`${manifest}: no signing_policy line to edit`);
      writeFileSync(manifest, edited);
    }
    media[policy] = dir;
  }
  return media;
}

/**
 * The `none` medium again, with two tools: the QEMU guest agent, its two packages (real MSI
 * databases from examples/tool_fixtures.rs) in the payload's tools/qemu-ga/, optional as
 * virtio-win ships no arm64 agent; and `agent`, one batch installer for every architecture
 * (AGENT_INSTALL, which copies AGENT_UNINSTALL where the spec's uninstall command names it and
 * leaves a marker). Adds `media.tools` and `media.toolCodes` ({x86, amd64}: the product codes
 * the manifest names, which the stand-in msiexec registers).
 */
export function buildToolMedia(work, media, payload = process.env.GUEST_TOOLS_DIR || join(root, 'guest-tools')) {
  const bin = cli();
  const fixtures = join(work, 'tool-fixtures');
  execFileSync('cargo', ['run', '--release', '--quiet', '--example', 'tool_fixtures', '--', fixtures], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const gt = join(work, 'gt-tools');
  cpSync(payload, gt, { recursive: true });
  mkdirSync(join(gt, 'tools', 'qemu-ga'), { recursive: true });
  for (const f of ['qemu-ga-i386.msi', 'qemu-ga-x86_64.msi']) copyFileSync(join(fixtures, f), join(gt, 'tools', 'qemu-ga', f));
  mkdirSync(join(gt, 'tools', 'agent'), { recursive: true });
  writeFileSync(join(gt, 'tools', 'agent', 'install.cmd'), AGENT_INSTALL);
  writeFileSync(join(gt, 'tools', 'agent', 'uninstall.cmd'), AGENT_UNINSTALL);
  const spec = JSON.parse(readFileSync(join(work, 'three-arches.json'), 'utf8'));
  spec.tools = [
    { name: 'qemu-ga', required: false, aliases: ['guest-agent'], installers: { x86: 'qemu-ga-i386.msi', amd64: 'qemu-ga-x86_64.msi' } },
    { name: 'agent', installers: { all: 'install.cmd' }, args: ['/S'], uninstall: { run: '%ProgramData%\\guestpack-agent\\uninstall.cmd', args: ['/S'] } },
  ];
  const specPath = join(work, 'with-tools.json');
  writeFileSync(specPath, JSON.stringify(spec));
  const out = join(work, 'out-tools');
  const env = { ...process.env };
  delete env.SOURCE_DATE_EPOCH;
  execFileSync(bin, ['--sample', '--spec', specPath, '--guest-tools-dir', gt, '--signing-policy', 'none', '--out-dir', out, '--quiet'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const dir = join(work, 'media-tools');
  execFileSync('python3', ['-c', 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])', join(out, 'guest-tools.zip'), dir]);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const code = (arch) => manifest.tools[0].installers.find((i) => i.arch === arch).product_code;
  media.tools = dir;
  media.toolCodes = { x86: code('x86'), amd64: code('amd64') };
  return media;
}

/** The batch tool's installer and uninstaller (CRLF, as cmd expects). */
const AGENT_INSTALL = ['@echo off', 'if not exist "%ProgramData%\\guestpack-agent\\" mkdir "%ProgramData%\\guestpack-agent"',
  'copy /y "%~dp0uninstall.cmd" "%ProgramData%\\guestpack-agent\\uninstall.cmd" >nul',
  '>"%ProgramData%\\guestpack-agent\\installed.txt" echo installed %*', 'exit /b 0', ''].join('\r\n');
const AGENT_UNINSTALL = ['@echo off', 'del /f /q "%ProgramData%\\guestpack-agent\\installed.txt"',
  '>"%ProgramData%\\guestpack-agent\\removed.txt" echo removed %*', 'exit /b 0', ''].join('\r\n');

/**
 * Media for several Windows versions, built from the `none` medium's drivers re-laid as
 * virtio-win lays them out (`<driver>/<os>/<arch>/`), each OS folder with the architectures that
 * Windows has: `several` holds w7, w10, w11 and 2k16; `newer` only w10 and w11 (nothing fits
 * Windows 7 or 8.1). Both are built with no signing policy, as the `none` medium.
 */
export function buildSeveralMedia(work, media, payload = process.env.GUEST_TOOLS_DIR || join(root, 'guest-tools')) {
  const bin = cli();
  const arches = { w7: ['x86', 'amd64'], w10: ['x86', 'amd64', 'arm64'], w11: ['amd64', 'arm64'], '2k16': ['amd64'] };
  const input = join(work, 'several-input');
  for (const [os, list] of Object.entries(arches)) {
    for (const arch of list) {
      const from = join(media.none, 'drivers', arch);
      for (const driver of readdirSync(from, { withFileTypes: true }).filter((d) => d.isDirectory())) {
        cpSync(join(from, driver.name), join(input, driver.name, os, arch), { recursive: true });
      }
    }
  }
  const env = { ...process.env };
  delete env.SOURCE_DATE_EPOCH;
  for (const [label, oses] of [['several', 'w7,w10,w11,2k16'], ['newer', 'w10,w11']]) {
    const out = join(work, `out-${label}`);
    execFileSync(bin, ['--drivers-dir', input, '--os', oses, '--spec', join(work, 'three-arches.json'), '--guest-tools-dir', payload,
      '--signing-policy', 'none', '--out-dir', out, '--quiet'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    const dir = join(work, `media-${label}`);
    execFileSync('python3', ['-c', 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])', join(out, 'guest-tools.zip'), dir]);
    media[label] = dir;
  }
  return media;
}

/** A Wine prefix with the stand-ins installed. */
export class WinePc {
  constructor(work) {
    this.work = work;
    this.prefix = join(work, 'wine');
    this.env = {
      ...process.env,
      WINEPREFIX: this.prefix,
      WINEDEBUG: '-all',
      // Our programs, not Wine's builtins of the same names; cmd.exe native first so that the
      // Sysnative stand-in runs, then builtin for Wine's own (a placeholder file in system32).
      WINEDLLOVERRIDES: ['mscoree', 'mshtml'].map((d) => `${d}=`).concat([...TOOLS, 'findstr'].map((t) => `${t}.exe=n`), ['cmd.exe=n,b']).join(';'),
      DISPLAY: '',
    };
    this.c = join(this.prefix, 'drive_c');
  }

  static create(work) {
    const pc = new WinePc(work);
    const bin = join(work, 'bin');
    mkdirSync(bin, { recursive: true });
    for (const [src, out, flags] of [['standin.c', 'standin.exe', []], ['findstr.c', 'findstr.exe', []], ['sysnative.c', 'sysnative.exe', ['-municode']]]) {
      execFileSync('x86_64-w64-mingw32-gcc', ['-O1', ...flags, '-o', join(bin, out), join(here, src)], { stdio: ['ignore', 'ignore', 'inherit'] });
    }
    execFileSync('wineboot', ['-i'], { env: pc.env, stdio: 'ignore' });
    pc.wait();
    const sys32 = join(pc.c, 'windows', 'system32');
    for (const t of TOOLS) {
      const dest = t === 'powershell' ? join(sys32, 'WindowsPowerShell', 'v1.0', 'powershell.exe') : join(sys32, `${t}.exe`);
      mkdirSync(dirname(dest), { recursive: true });
      copyFileSync(join(bin, 'standin.exe'), dest);
    }
    copyFileSync(join(bin, 'findstr.exe'), join(sys32, 'findstr.exe'));
    // The 64-bit cmd a 32-bit process reaches through Sysnative (tests/guest/sysnative.c).
    const sysnative = join(pc.c, 'windows', 'Sysnative');
    mkdirSync(sysnative, { recursive: true });
    copyFileSync(join(bin, 'sysnative.exe'), join(sysnative, 'cmd.exe'));
    mkdirSync(join(pc.c, 'standin'), { recursive: true });
    pc.wait();
    // One wine server (and its services) for every run, instead of one started per command.
    spawnSync('wineserver', ['-p'], { env: pc.env, stdio: 'ignore' });
    return pc;
  }

  wait() {
    spawnSync('wineserver', ['-w'], { env: this.env, stdio: 'ignore' });
  }

  /** Stops the wine server and everything running in the prefix. */
  stop() {
    spawnSync('wineserver', ['-k'], { env: this.env, stdio: 'ignore' });
  }

  /**
   * Back to the state right after installation: driver store, copied binaries, logs, state
   * file and stand-in state here; the registry keys the scripts write by the commands
   * RESET_REGISTRY, which the next run() executes first (cheaper than restarting Wine).
   */
  reset() {
    const win = join(this.c, 'windows');
    for (const f of readdirSync(join(win, 'inf'))) if (/^oem\d+\.inf$/i.test(f)) rmSync(join(win, 'inf', f));
    for (const p of [join(win, 'system32', 'drivers', 'viostor.sys'), join(this.c, 'ProgramData', 'guest-tools'), join(this.c, 'ProgramData', 'guestpack-agent'),
      join(win, 'temp', 'guest-tools-setup.log'), join(win, 'temp', 'guest-tools-uninstall.log')]) {
      rmSync(p, { recursive: true, force: true });
    }
    rmSync(join(this.c, 'standin'), { recursive: true, force: true });
    mkdirSync(join(this.c, 'standin'), { recursive: true });
    this.pending = RESET_REGISTRY;
  }

  /** Stand-in answers: rows [tool, match, flag, exit, output, effect]. */
  rules(rows) {
    writeFileSync(join(this.c, 'standin', 'rules.txt'), rows.map((r) => r.join('\t')).join('\r\n') + '\r\n');
  }

  readFlags() {
    return (this.read('C:\\standin\\flags.txt') || '').split(/\r?\n/).filter(Boolean);
  }

  clearCalls() {
    rmSync(join(this.c, 'standin', 'calls.log'), { force: true });
  }

  flags(list) {
    writeFileSync(join(this.c, 'standin', 'flags.txt'), list.map((f) => `${f}\r\n`).join(''));
  }

  /**
   * Runs `lines` (batch commands) as C:\standin\run.cmd under Wine's cmd with `env` (Windows
   * environment variables) set first; returns {code: the errorlevel after the last line (null
   * when the run never got there), stdout}.
   */
  run(lines, env = {}) {
    const sets = Object.entries(env).map(([k, v]) => (v === null ? `set "${k}="` : `set "${k}=${v}"`));
    // The exit code goes through a file: a Unix exit status keeps only 8 bits (3010 would be 194).
    const rc = join(this.c, 'standin', 'rc.txt');
    rmSync(rc, { force: true });
    const first = this.pending || [];
    this.pending = null;
    const script = ['@echo off', ...first, ...sets, ...lines, '>C:\\standin\\rc.txt echo %errorlevel%', 'exit /b 0'].join('\r\n') + '\r\n';
    writeFileSync(join(this.c, 'standin', 'run.cmd'), script);
    // Output to a file, not a pipe: a Windows service that this run starts inherits the handle,
    // and a pipe held open by it would never report end-of-file.
    const out = join(this.work, 'run-output.txt');
    const fd = openSync(out, 'w');
    try {
      spawnSync('wine', ['cmd', '/c', 'C:\\standin\\run.cmd'], { env: this.env, timeout: 120000, stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    const code = existsSync(rc) ? Number.parseInt(readFileSync(rc, 'latin1').trim(), 10) : null;
    return { code, stdout: readFileSync(out, 'latin1') };
  }

  /** Lines the stand-ins logged: "tool args". */
  calls() {
    const p = join(this.c, 'standin', 'calls.log');
    return existsSync(p) ? readFileSync(p, 'latin1').split(/\r?\n/).filter(Boolean) : [];
  }

  read(winPath) {
    const p = join(this.c, winPath.replace(/^C:\\/i, '').replace(/\\/g, '/'));
    return existsSync(p) ? readFileSync(p, 'latin1') : null;
  }

  exists(winPath) {
    return existsSync(join(this.c, winPath.replace(/^C:\\/i, '').replace(/\\/g, '/')));
  }

  oemInfs() {
    return readdirSync(join(this.c, 'windows', 'inf')).filter((f) => /^oem\d+\.inf$/i.test(f)).sort();
  }
}

/** Windows path of a host path (Wine maps / to Z:). */
export const winPath = (p) => `Z:${p.replace(/\//g, '\\')}`;

export function workDir() {
  return mkdtempSync(join(tmpdir(), 'guestpack-guest-'));
}
