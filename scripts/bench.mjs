// Benchmark: guestpack native, guestpack wasm in headless Chromium, and the shell pipeline a
// user would script instead (xorriso -as mkisofs -J, zip -X -r -9, sha256sum), on one
// synthetic payload, in one run. Prints wall time, CPU time, peak RSS, output sizes and ratios.
// Asserts only that every run worked (and, with --smoke, that wasm and native agree).
//
//   npm run bench                       # 211 MiB payload
//   npm run bench -- --size 1G          # shows that RSS stays flat
//   npm run bench -- --size 8M --smoke  # CI: small and quick, prints "bench-smoke: N passed, N failed"
// Options: --size N[K|M|G]  --seed N  --threads N  --workers N  --zip-level N  --skip-wasm  --skip-pipeline
//          --markdown FILE (append the table)  --keep (keep generated data and outputs)
import { spawnSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
const flag = (name) => args.includes(name);
const size = opt('--size', '211M');
const seed = opt('--seed', '1');
const threads = opt('--threads', String(os.availableParallelism ? os.availableParallelism() : os.cpus().length));
const zipLevel = opt('--zip-level', '6');
const smoke = flag('--smoke');
const workers = opt('--workers', threads); // browser workers sharing the wasm build
const targetDir = path.resolve(root, process.env.CARGO_TARGET_DIR || 'target');
const work = path.join(targetDir, 'bench', `${size}-s${seed}`);
const checks = [];
const check = (ok, what) => { checks.push([ok, what]); if (!ok) console.error(`bench: FAILED ${what}`); };

function sh(cmd, argv, o = {}) {
  const r = spawnSync(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 26, ...o });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return r.stdout;
}

// Runs a command under GNU time -v; returns wall, CPU (user+sys) and peak RSS of the largest process.
function timed(cmd, argv, cwd = root) {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-v', cmd, ...argv], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 });
  const wall = (performance.now() - t0) / 1000;
  const field = (re) => { const m = r.stderr.match(re); return m ? m[1] : null; };
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}):\n${r.stderr.slice(-2000)}`);
  return {
    wall, cpu: Number(field(/User time \(seconds\): ([\d.]+)/)) + Number(field(/System time \(seconds\): ([\d.]+)/)),
    rssMiB: Number(field(/Maximum resident set size \(kbytes\): (\d+)/)) / 1024,
  };
}

const fileSize = (p) => fs.statSync(p).size;
const mib = (n) => (n / 1048576).toFixed(1);

// 1. Build and generate.
if (!fs.existsSync('/usr/bin/time')) throw new Error('/usr/bin/time missing: run scripts/setup.sh (Debian package "time")');
console.log(`bench: building release CLI and generator (${targetDir})`);
sh('cargo', ['build', '--release', '--bin', 'guestpack', '--example', 'gen_synthetic'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
const gp = path.join(targetDir, 'release', 'guestpack');
fs.mkdirSync(work, { recursive: true });
sh(path.join(targetDir, 'release', 'examples', 'gen_synthetic'), ['--out', work, '--size', size, '--seed', seed]);
const drivers = path.join(work, 'drivers');
const spec = path.join(work, 'spec.json');
const payload = Number(sh('du', ['-sb', drivers]).split('\t')[0]);
const bundle = path.join(work, 'bundle.zip');
fs.rmSync(bundle, { force: true });
sh('zip', ['-0', '-X', '-r', '-q', bundle, '.'], { cwd: drivers }); // stored: the browser reads it without inflating
console.log(`bench: payload ${mib(payload)} MiB in ${drivers}`);
const machine = `${os.cpus()[0].model.trim()}, ${os.cpus().length} cores, ${mib(os.totalmem())} MiB RAM, ${os.type()} ${os.release()}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`;
const rows = [];

// 2. Native.
const nout = path.join(work, 'out-native');
fs.rmSync(nout, { recursive: true, force: true });
// The synthetic drivers carry no certificate: built for production-signed drivers, as the
// wasm run below is.
const native = timed(gp, ['--drivers-dir', drivers, '--spec', spec, '--out-dir', nout, '--threads', threads, '--zip-level', zipLevel, '-q', '--source-date-epoch', '0', '--signing-policy', 'none']);
native.sizes = { iso: fileSize(`${nout}/guest-tools.iso`), zip: fileSize(`${nout}/guest-tools.zip`), manifest: fileSize(`${nout}/manifest.json`) };
rows.push({ name: `guestpack native (${threads} threads, level ${zipLevel})`, ...native });
check(native.sizes.zip > 0 && native.sizes.iso > payload, 'native built the media');

// 3. The shell pipeline.
let pipeline = null;
if (!flag('--skip-pipeline')) {
  const stage = path.join(work, 'stage');
  fs.rmSync(stage, { recursive: true, force: true });
  sh('cp', ['-r', path.join(root, 'guest-tools') + '/.', stage]);
  sh('cp', ['-rl', drivers, path.join(stage, 'drivers')]); // hard links: staging costs nothing
  const pout = path.join(work, 'out-pipeline');
  fs.rmSync(pout, { recursive: true, force: true });
  fs.mkdirSync(pout);
  const script = `set -e; xorriso -as mkisofs -quiet -J -o "${pout}/p.iso" . 2>/dev/null; zip -X -r -9 -q "${pout}/p.zip" .; ` +
    `find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum > "${pout}/SHA256SUMS"`;
  pipeline = timed('bash', ['-c', script], stage);
  pipeline.sizes = { iso: fileSize(`${pout}/p.iso`), zip: fileSize(`${pout}/p.zip`), manifest: fileSize(`${pout}/SHA256SUMS`) };
  rows.push({ name: 'xorriso -J + zip -9 + sha256sum', ...pipeline });
  check(pipeline.sizes.zip > 0, 'pipeline built its outputs');
}

// 4. wasm in headless Chromium, through web/worker-api/client.js.
let wasm = null;
if (!flag('--skip-wasm')) {
  const wasmFile = path.join(root, 'pkg/no-modules/guestpack_bg.wasm');
  // Newest core source (the CLI and native adapters are not in the wasm module).
  const newest = (dir) => fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile()).map((e) => path.join(e.parentPath || e.path, e.name))
    .filter((f) => !/src\/(cli|native)\/|src\/main\.rs$/.test(f))
    .map((f) => fs.statSync(f).mtimeMs).reduce((a, b) => Math.max(a, b), 0);
  if (!fs.existsSync(wasmFile) || fs.statSync(wasmFile).mtimeMs < newest(path.join(root, 'src'))) {
    console.log('bench: building the wasm module');
    sh('bash', ['scripts/build-wasm.sh'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  wasm = await runBrowser();
  rows.push({ name: `guestpack wasm, headless Chromium (${wasm.workers} worker${wasm.workers === 1 ? '' : 's'})`, ...wasm });
  const same = wasm.manifest === fs.readFileSync(`${nout}/manifest.json`, 'utf8');
  check(same, 'wasm manifest.json is byte-identical to native');
  check(['iso', 'zip', 'manifest'].every((k) => wasm.sizes[k] === native.sizes[k]), 'wasm output sizes equal native');
}

// 5. Report.
const ref = pipeline || native;
const line = (r) => `| ${r.name} | ${r.wall.toFixed(2)} | ${r.cpu == null ? 'n/a' : r.cpu.toFixed(2)} | ${r.rssMiB.toFixed(1)} | ` +
  `${mib(r.sizes.iso)} | ${mib(r.sizes.zip)} | ${(r.wall / ref.wall).toFixed(2)} | ${(r.sizes.zip / ref.sizes.zip).toFixed(4)} |`;
const table = [
  `Payload ${mib(payload)} MiB (gen_synthetic --size ${size} --seed ${seed}); ${machine}`,
  '',
  '| run | wall s | CPU s | peak RSS MiB | ISO MiB | zip MiB | wall ÷ pipeline | zip ÷ pipeline |',
  '|---|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(line),
].join('\n');
console.log(`\n${table}\n`);
if (wasm) {
  const per = Object.entries(wasm.drainMsByOutput || {}).map(([k, v]) => `${k} ${(v / 1000).toFixed(2)} s`).join(', ');
  console.log(`wasm: build+plan ${(wasm.planMs / 1000).toFixed(2)} s, drain ${(wasm.drainMs / 1000).toFixed(2)} s (${per}); ` +
    `wasm memory ${mib(wasm.wasmMemoryBytes)} MiB (${wasm.wasmMemoryBytes / 65536} pages over ${wasm.workers} worker${wasm.workers === 1 ? "" : "s"}), page JS heap ${wasm.jsHeapBytes == null ? 'n/a' : mib(wasm.jsHeapBytes)} MiB, ` +
    `browser processes: largest peak RSS ${wasm.rssMiB.toFixed(1)} MiB, sum of peaks ${wasm.rssSumMiB.toFixed(1)} MiB; ` +
    `wasm wall ÷ native ${(wasm.wall / native.wall).toFixed(2)}`);
}
if (wasm && wasm.busyMs) {
  console.log(`wasm workers busy (s): ${wasm.busyMs.map((b) => Object.entries(b).filter(([, v]) => v > 50)
    .map(([k, v]) => `${k} ${(v / 1000).toFixed(2)}`).join(' ')).join(' | ')}`);
}
if (pipeline) console.log(`native wall ÷ pipeline ${(native.wall / pipeline.wall).toFixed(2)}, native zip ÷ zip -9 ${(native.sizes.zip / pipeline.sizes.zip).toFixed(4)}`);
const md = opt('--markdown');
if (md) fs.appendFileSync(md, `${table}\n\n`);
if (!flag('--keep')) for (const d of ['out-native', 'out-pipeline', 'stage']) fs.rmSync(path.join(work, d), { recursive: true, force: true });
const failed = checks.filter(([ok]) => !ok).length;
if (smoke) for (const [ok, what] of checks) console.log(`bench-smoke: ${ok ? 'ok' : 'FAIL'} ${what}`);
console.log(`${smoke ? 'bench-smoke' : 'bench'}: ${checks.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

// Serves the repository and the bundle on localhost, opens bench.html through chromedriver,
// and reads the CPU time and peak RSS of the browser's processes from /proc before closing it.
async function runBrowser() {
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = url === '/bench-data/bundle.zip' ? bundle : url === '/bench-data/spec.json' ? spec : path.join(root, path.normalize(url));
    if (!file.startsWith(root) && file !== bundle && file !== spec) { res.writeHead(403).end(); return; }
    fs.stat(file, (err, st) => {
      if (err || !st.isFile()) { res.writeHead(404).end(); return; }
      res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream', 'content-length': st.size });
      fs.createReadStream(file).pipe(res);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const site = `http://127.0.0.1:${server.address().port}`;
  const port = await new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
  const driver = spawn(process.env.CHROMEDRIVER || '/usr/bin/chromedriver', [`--port=${port}`], { stdio: 'ignore' });
  const base = `http://127.0.0.1:${port}`;
  const call = async (method, p, body) => {
    const r = await fetch(base + p, { method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
    const j = await r.json();
    if (j.value && j.value.error) throw new Error(`${p}: ${j.value.message}`);
    return j.value;
  };
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  let session;
  try {
    for (let i = 0; ; i++) {
      try { await call('GET', '/status'); break; } catch (e) { if (i > 100) throw e; await sleep(100); }
    }
    const chromeArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
      '--disable-background-networking', '--disable-component-update', '--no-first-run', '--enable-precise-memory-info'];
    session = (await call('POST', '/session', { capabilities: { alwaysMatch: { 'goog:chromeOptions': { args: chromeArgs } } } })).sessionId;
    const started = Date.now();
    await call('POST', `/session/${session}/url`, { url: `${site}/web/worker-api/bench.html?bundle=/bench-data/bundle.zip&spec=/bench-data/spec.json&workers=${workers}` });
    let text = '';
    while (Date.now() - started < 1800e3) {
      text = await call('POST', `/session/${session}/execute/sync`, { script: "return document.getElementById('result').textContent;", args: [] });
      if (/bench: \d+ passed, \d+ failed/.test(text)) break;
      await sleep(250);
    }
    const res = JSON.parse(text.split('\n')[0]);
    if (res.error) throw new Error(`bench page: ${res.error}`);
    const procs = descendants(driver.pid);
    const tick = 100; // USER_HZ on Linux
    let cpu = 0, rss = 0, rssSum = 0;
    for (const p of procs) {
      cpu += (p.utime + p.stime) / tick;
      rss = Math.max(rss, p.hwmKiB / 1024);
      rssSum += p.hwmKiB / 1024;
    }
    return { wall: res.wallMs / 1000, cpu, rssMiB: rss, rssSumMiB: rssSum, ...res };
  } finally {
    if (session) await call('DELETE', `/session/${session}`).catch(() => {});
    driver.kill();
    server.close();
  }
}

// Every live process below `pid`, with its CPU ticks and peak RSS (VmHWM).
function descendants(pid) {
  const all = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map((d) => {
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const status = fs.readFileSync(`/proc/${d}/status`, 'utf8');
      const hwm = Number((status.match(/VmHWM:\s+(\d+)/) || [0, 0])[1]);
      return { pid: Number(d), ppid: Number(f[1]), utime: Number(f[11]), stime: Number(f[12]), hwmKiB: hwm };
    } catch { return null; }
  }).filter(Boolean);
  const out = [];
  const walk = (p) => { for (const c of all.filter((x) => x.ppid === p)) { out.push(c); walk(c.pid); } };
  walk(pid);
  return out;
}
