// Benchmark: guestpack native, guestpack wasm in headless Chromium, the shell pipeline a user
// would script instead (xorriso -as mkisofs -J, zip -X -r -9, sha256sum) and, when given, the
// reference packager, on two synthetic payloads (standard, and mixed: files whose parts differ
// in compressibility), each tool run --runs times in turn. Prints the medians of wall time, CPU
// time, peak RSS, output sizes and ratios. Asserts only that every run worked and that wasm
// and native agree.
//
//   npm run bench                       # both 211 MiB payloads, 3 runs each
//   npm run bench -- --size 1G          # shows that RSS stays flat
//   npm run bench -- --size 8M --smoke  # CI: small and quick, prints "bench-smoke: N passed, N failed"
// Options: --size N[K|M|G]  --seed N  --threads N  --workers N  --zip-level N  --runs N
//          --payload standard|mixed|both  --skip-wasm  --skip-page  --skip-pipeline
//          --skip-virtio-iso  --virtio-size N[K|M|G] (the virtio-win-shaped ISO case, 200M)
//          --reference-packager BIN --reference-guest-tools DIR --reference-contract FILE
//          --markdown FILE (append the tables)  --keep (keep generated data and outputs)
import { spawnSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchPage } from './bench-page.mjs';

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
const runs = Number(opt('--runs', smoke ? '1' : '3'));
const virtioSize = opt('--virtio-size', smoke ? '16M' : '200M');
const payloadOpt = opt('--payload', 'both');
const payloads = payloadOpt === 'both' ? ['standard', 'mixed'] : [payloadOpt];
if (!payloads.every((p) => p === 'standard' || p === 'mixed')) throw new Error('--payload: standard, mixed or both');
const targetDir = path.resolve(root, process.env.CARGO_TARGET_DIR || 'target');
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

// 1. Build.
if (!fs.existsSync('/usr/bin/time')) throw new Error('/usr/bin/time missing: run scripts/setup.sh (Debian package "time")');
console.log(`bench: building release CLI and generator (${targetDir})`);
sh('cargo', ['build', '--release', '--bin', 'guestpack', '--example', 'gen_synthetic'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
const gp = path.join(targetDir, 'release', 'guestpack');
const machine = `${os.cpus()[0].model.trim()}, ${os.cpus().length} cores, ${mib(os.totalmem())} MiB RAM, ${os.type()} ${os.release()}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`;
if (!flag('--skip-wasm') || !flag('--skip-page')) buildWasmIfStale();
if (!flag('--skip-page')) sh(process.execPath, ['scripts/build-web.mjs'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
const reference = referencePackager();
const tables = [];
for (const kind of payloads) tables.push(await benchPayload(kind));
if (!flag('--skip-virtio-iso')) tables.push(await benchVirtioIso());

// 2. Report.
const md = opt('--markdown');
if (md) fs.appendFileSync(md, `${tables.join('\n\n')}\n\n`);
const failed = checks.filter(([ok]) => !ok).length;
if (smoke) for (const [ok, what] of checks) console.log(`bench-smoke: ${ok ? 'ok' : 'FAIL'} ${what}`);
console.log(`${smoke ? 'bench-smoke' : 'bench'}: ${checks.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

// One payload: generated, then every tool run `runs` times in turn; prints and returns the
// table of medians.
async function benchPayload(kind) {
  const work = path.join(targetDir, 'bench', `${size}-s${seed}${kind === 'mixed' ? '-mixed' : ''}`);
  fs.mkdirSync(work, { recursive: true });
  sh(path.join(targetDir, 'release', 'examples', 'gen_synthetic'), ['--out', work, '--size', size, '--seed', seed, ...(kind === 'mixed' ? ['--mixed'] : [])]);
  const drivers = path.join(work, 'drivers');
  const spec = path.join(work, 'spec.json');
  const payload = Number(sh('du', ['-sb', drivers]).split('\t')[0]);
  const bundle = path.join(work, 'bundle.zip');
  fs.rmSync(bundle, { force: true });
  sh('zip', ['-0', '-X', '-r', '-q', bundle, '.'], { cwd: drivers }); // stored: the browser reads it without inflating
  console.log(`bench: ${kind} payload ${mib(payload)} MiB in ${drivers}, ${runs} run(s) of each`);
  const results = { native: [], pipeline: [], reference: [], wasm: [], download: [], dialog: [] };
  for (let run = 0; run < runs; run++) {
    results.native.push(runNative(work, drivers, spec));
    if (!flag('--skip-pipeline')) results.pipeline.push(runPipeline(work, drivers));
    if (reference) results.reference.push(runReference(reference, work, drivers, spec));
    if (!flag('--skip-wasm')) {
      const wasm = await runBrowser(bundle, spec);
      const nativeManifest = fs.readFileSync(path.join(work, 'out-native', 'manifest.json'), 'utf8');
      check(wasm.manifest === nativeManifest, `${kind}: wasm manifest.json is byte-identical to native`);
      check(['iso', 'zip', 'manifest'].every((k) => wasm.sizes[k] === results.native[run].sizes[k]), `${kind}: wasm output sizes equal native`);
      results.wasm.push(wasm);
    }
    if (!flag('--skip-page')) {
      const nativeManifest = fs.readFileSync(path.join(work, 'out-native', 'manifest.json'), 'utf8');
      for (const how of ['download', 'dialog']) {
        const r = await benchPage({ bundle, spec, how });
        check(r.manifest === nativeManifest, `${kind}: the page's saved manifest.json (${how}) is byte-identical to native`);
        check(['iso', 'zip', 'manifest'].every((k) => r.sizes[k] === results.native[run].sizes[k]), `${kind}: the page's saved outputs (${how}) have native's sizes`);
        results[how].push({ ...r, wall: r.page, withHarness: r.wall, cpu: null, rssMiB: null });
      }
    }
  }
  if (!flag('--keep')) for (const d of ['out-native', 'out-pipeline', 'out-reference', 'stage']) fs.rmSync(path.join(work, d), { recursive: true, force: true });

  const rows = [];
  const native = medianOf(results.native);
  rows.push({ name: `guestpack native (${threads} threads, level ${zipLevel})`, ...native });
  const ref = results.reference.length ? medianOf(results.reference) : null;
  if (ref) rows.push({ name: 'reference packager (aero_packager)', ...ref });
  const pipeline = results.pipeline.length ? medianOf(results.pipeline) : null;
  if (pipeline) rows.push({ name: 'xorriso -J + zip -9 + sha256sum', ...pipeline });
  const wasm = results.wasm.length ? medianOf(results.wasm) : null;
  if (wasm) rows.push({ name: `guestpack wasm, headless Chromium (${wasm.workers} worker${wasm.workers === 1 ? '' : 's'})`, ...wasm });
  const pageRuns = { download: 'downloads', dialog: 'save dialog' };
  const pages = {};
  for (const [how, label] of Object.entries(pageRuns)) {
    if (!results[how].length) continue;
    pages[how] = medianOf(results[how]);
    rows.push({ name: `guestpack page, drop to saved (${label})`, ...pages[how] });
  }
  const ratio = (a, b) => (b ? (a / b).toFixed(a / b < 0.1 ? 3 : 2) : 'n/a');
  const line = (r) => `| ${r.name} | ${r.wall.toFixed(2)} | ${r.cpu == null ? 'n/a' : r.cpu.toFixed(2)} | ${r.rssMiB == null ? 'n/a' : r.rssMiB.toFixed(1)} | ` +
    `${mib(r.sizes.iso)} | ${mib(r.sizes.zip)} | ${ratio(r.wall, pipeline && pipeline.wall)} | ${ratio(r.wall, ref && ref.wall)} | ` +
    `${pipeline ? (r.sizes.zip / pipeline.sizes.zip).toFixed(4) : 'n/a'} |`;
  const table = [
    `${kind === 'mixed' ? 'Mixed' : 'Standard'} payload, ${mib(payload)} MiB (gen_synthetic --size ${size} --seed ${seed}${kind === 'mixed' ? ' --mixed' : ''}); median of ${runs} run(s) each; ${machine}`,
    '',
    '| run | wall s | CPU s | peak RSS MiB | ISO MiB | zip MiB | wall ÷ pipeline | wall ÷ reference | zip ÷ zip -9 |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(line),
  ].join('\n');
  console.log(`\n${table}\n`);
  if (wasm) {
    const per = Object.entries(wasm.drainMsByOutput || {}).map(([k, v]) => `${k} ${(v / 1000).toFixed(2)} s`).join(', ');
    console.log(`wasm (median run): build+plan ${(wasm.planMs / 1000).toFixed(2)} s, drain ${(wasm.drainMs / 1000).toFixed(2)} s (${per}); ` +
      `wasm memory ${mib(wasm.wasmMemoryBytes)} MiB (${wasm.wasmMemoryBytes / 65536} pages over ${wasm.workers} worker${wasm.workers === 1 ? '' : 's'}), page JS heap ${wasm.jsHeapBytes == null ? 'n/a' : mib(wasm.jsHeapBytes)} MiB, ` +
      `browser processes: largest peak RSS ${wasm.rssMiB.toFixed(1)} MiB, sum of peaks ${wasm.rssSumMiB.toFixed(1)} MiB; ` +
      `wasm wall ÷ native ${(wasm.wall / native.wall).toFixed(2)}`);
    if (wasm.busyMs) {
      console.log(`wasm workers busy (s): ${wasm.busyMs.map((b) => Object.entries(b).filter(([, v]) => v > 50)
        .map(([k, v]) => `${k} ${(v / 1000).toFixed(2)}`).join(' ')).join(' | ')}`);
    }
  }
  for (const [how, label] of Object.entries(pageRuns)) {
    const p = pages[how];
    if (!p) continue;
    console.log(`page (${label}, median run): ${p.wall.toFixed(2)} s of the page's work from the drop to the last byte saved ` +
      `(${p.withHarness.toFixed(2)} s with the harness's clicks) — check ${p.phases.check.toFixed(2)} s, ` +
      `build ${p.phases.build.toFixed(2)} s, save ${p.phases.save.toFixed(2)} s` +
      `${p.saves ? ` (${Object.entries(p.saves).map(([k, v]) => `${k} ${v.toFixed(2)} s`).join(', ')})` : ''}; page ÷ native ${(p.wall / native.wall).toFixed(2)}`);
  }
  check(native.sizes.zip > 0 && native.sizes.iso > payload, `${kind}: native built the media`);
  if (pipeline) console.log(`${kind}: native wall ÷ pipeline ${(native.wall / pipeline.wall).toFixed(2)}, native zip ÷ zip -9 ${(native.sizes.zip / pipeline.sizes.zip).toFixed(4)}`);
  return table;
}

// The everyday case: a virtio-win-shaped ISO (14 Windows versions x 2 architectures, debug
// symbols included) to the media for one Windows version, natively and through the page.
async function benchVirtioIso() {
  const work = path.join(targetDir, 'bench', `virtio-win-${virtioSize}-s${seed}`);
  fs.mkdirSync(work, { recursive: true });
  sh(path.join(targetDir, 'release', 'examples', 'gen_synthetic'), ['--out', work, '--size', virtioSize, '--seed', seed, '--virtio-win', '--drivers', '13']);
  const iso = path.join(work, 'virtio-win.iso');
  fs.rmSync(iso, { force: true });
  sh('xorriso', ['-as', 'mkisofs', '-quiet', '-J', '-R', '-V', 'VIRTIO_WIN', '-o', iso, path.join(work, 'virtio-win')]);
  const spec = path.join(work, 'spec.json');
  const files = Number(sh('bash', ['-c', `find "${path.join(work, 'virtio-win')}" -type f | wc -l`]).trim());
  console.log(`bench: virtio-win-shaped ISO, ${mib(fileSize(iso))} MiB, ${files} files, ${runs} run(s) of each`);
  const results = { native: [], download: [], dialog: [] };
  const out = path.join(work, 'out-native');
  for (let run = 0; run < runs; run++) {
    fs.rmSync(out, { recursive: true, force: true });
    const r = timed(gp, ['--drivers-dir', iso, '--os', 'w10', '--spec', spec, '--out-dir', out, '--threads', threads, '-q', '--source-date-epoch', '0', '--signing-policy', 'none']);
    r.sizes = { iso: fileSize(`${out}/guest-tools.iso`), zip: fileSize(`${out}/guest-tools.zip`), manifest: fileSize(`${out}/manifest.json`) };
    results.native.push(r);
    if (!flag('--skip-page')) {
      const nativeManifest = fs.readFileSync(path.join(out, 'manifest.json'), 'utf8');
      for (const how of ['download', 'dialog']) {
        const p = await benchPage({ bundle: iso, spec, how, os: 'w10' });
        check(p.manifest === nativeManifest, `virtio-win ISO: the page's saved manifest.json (${how}) is byte-identical to native`);
        results[how].push({ ...p, wall: p.page, withHarness: p.wall, cpu: null, rssMiB: null });
      }
    }
  }
  const native = medianOf(results.native);
  check(native.sizes.iso > 0, 'virtio-win ISO: native built the media for w10');
  const rows = [{ name: 'guestpack native, --os w10', ...native }];
  const labels = { download: 'downloads', dialog: 'save dialog' };
  for (const how of ['download', 'dialog']) if (results[how].length) rows.push({ name: `guestpack page, drop to saved (${labels[how]})`, ...medianOf(results[how]) });
  const table = [
    `virtio-win-shaped ISO → media for w10: ${mib(fileSize(iso))} MiB, ${files} files (gen_synthetic --virtio-win --size ${virtioSize}); median of ${runs} run(s) each`,
    '',
    '| run | wall s | with harness s | CPU s | peak RSS MiB | ISO MiB | zip MiB | check s | build s | save s |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.name} | ${r.wall.toFixed(2)} | ${r.withHarness == null ? '' : r.withHarness.toFixed(2)} | ${r.cpu == null ? 'n/a' : r.cpu.toFixed(2)} | ${r.rssMiB == null ? 'n/a' : r.rssMiB.toFixed(1)} | ` +
      `${mib(r.sizes.iso)} | ${mib(r.sizes.zip)} | ${r.phases ? r.phases.check.toFixed(2) : ''} | ${r.phases ? r.phases.build.toFixed(2) : ''} | ${r.phases ? r.phases.save.toFixed(2) : ''} |`),
  ].join('\n');
  console.log(`\n${table}\n`);
  if (!flag('--keep')) fs.rmSync(out, { recursive: true, force: true });
  return table;
}

// The run whose wall time is the median, with CPU time and peak RSS replaced by their own
// medians (sizes are the same in every run).
function medianOf(list) {
  const mid = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  const byWall = [...list].sort((a, b) => a.wall - b.wall)[Math.floor((list.length - 1) / 2)];
  const cpus = list.map((r) => r.cpu).filter((c) => c != null);
  const rss = list.map((r) => r.rssMiB).filter((m) => m != null);
  return { ...byWall, cpu: cpus.length ? mid(cpus) : null, rssMiB: rss.length ? mid(rss) : null };
}

function runNative(work, drivers, spec) {
  const nout = path.join(work, 'out-native');
  fs.rmSync(nout, { recursive: true, force: true });
  // The synthetic drivers carry no certificate: built under policy none, as the wasm run is.
  const r = timed(gp, ['--drivers-dir', drivers, '--spec', spec, '--out-dir', nout, '--threads', threads, '--zip-level', zipLevel, '-q', '--source-date-epoch', '0', '--signing-policy', 'none']);
  r.sizes = { iso: fileSize(`${nout}/guest-tools.iso`), zip: fileSize(`${nout}/guest-tools.zip`), manifest: fileSize(`${nout}/manifest.json`) };
  return r;
}

// The shell pipeline a user would script: the same files staged (hard links) with the
// shipped guest-tools/.
function runPipeline(work, drivers) {
  const stage = path.join(work, 'stage');
  fs.rmSync(stage, { recursive: true, force: true });
  sh('cp', ['-r', path.join(root, 'guest-tools') + '/.', stage]);
  sh('cp', ['-rl', drivers, path.join(stage, 'drivers')]); // hard links: staging costs nothing
  const pout = path.join(work, 'out-pipeline');
  fs.rmSync(pout, { recursive: true, force: true });
  fs.mkdirSync(pout);
  const script = `set -e; xorriso -as mkisofs -quiet -J -o "${pout}/p.iso" . 2>/dev/null; zip -X -r -9 -q "${pout}/p.zip" .; ` +
    `find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum > "${pout}/SHA256SUMS"`;
  const r = timed('bash', ['-c', script], stage);
  r.sizes = { iso: fileSize(`${pout}/p.iso`), zip: fileSize(`${pout}/p.zip`), manifest: fileSize(`${pout}/SHA256SUMS`) };
  check(r.sizes.zip > 0, 'pipeline built its outputs');
  return r;
}

// --reference-packager BIN --reference-guest-tools DIR --reference-contract FILE: the
// reference packager with its own guest-tools payload and device contract (which ship a
// test certificate, hence policy test).
function referencePackager() {
  const bin = opt('--reference-packager');
  if (!bin) return null;
  const guestTools = opt('--reference-guest-tools');
  const contract = opt('--reference-contract');
  if (!guestTools || !contract) throw new Error('--reference-packager needs --reference-guest-tools DIR and --reference-contract FILE');
  return { bin: path.resolve(bin), guestTools: path.resolve(guestTools), contract: path.resolve(contract) };
}

function runReference(ref, work, drivers, spec) {
  const out = path.join(work, 'out-reference');
  fs.rmSync(out, { recursive: true, force: true });
  const r = timed(ref.bin, ['--drivers-dir', drivers, '--guest-tools-dir', ref.guestTools, '--windows-device-contract', ref.contract,
    '--out-dir', out, '--spec', spec, '--signing-policy', 'test', '--source-date-epoch', '0']);
  const find = (ext) => path.join(out, fs.readdirSync(out).find((f) => f.endsWith(ext)));
  r.sizes = { iso: fileSize(find('.iso')), zip: fileSize(find('.zip')), manifest: fileSize(find('.json')) };
  check(r.sizes.zip > 0, 'reference packager built its outputs');
  return r;
}

function buildWasmIfStale() {
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
}

// Serves the repository and the bundle on localhost, opens bench.html through chromedriver,
// and reads the CPU time and peak RSS of the browser's processes from /proc before closing it.
async function runBrowser(bundle, spec) {
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
