// Times packaging the virtio-win 8.1 driver set with the release wasm module in Node:
// open the bundle from bytes, validate, plan, and drain all three outputs in 1 MiB chunks.
// Prints the times; asserts nothing. Build first: scripts/build-wasm.sh and
// scripts/make-virtio-bundle.sh. Usage: node scripts/bench-wasm-node.mjs BUNDLE.zip [runs]
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const [bundlePath, runsArg] = process.argv.slice(2);
if (!bundlePath) { console.error('usage: bench-wasm-node.mjs BUNDLE.zip [runs]'); process.exit(2); }
const glue = await import(`${root}pkg/web/guestpack.js`);
glue.initSync({ module: fs.readFileSync(`${root}pkg/web/guestpack_bg.wasm`) });

const bytes = fs.readFileSync(bundlePath);
function once() {
  const t0 = performance.now();
  const bundle = glue.Bundle.fromBytes(bytes, 'virtio-win-8.1.zip');
  // Policy none: as stored in git, eight of the real INFs are not in their catalogs (the check
  // still runs; its findings are warnings under none).
  const media = glue.build(bundle, { spec: 'virtio-win-8.1.json', signingPolicy: 'none', restoreCrlf: true });
  if (!media.accepted) throw new Error(`rejected: ${JSON.stringify(media.report.findings.slice(0, 3))}`);
  const t1 = performance.now();
  const hashes = {};
  let total = 0;
  for (const s of [media.iso(), media.zip(), media.manifest()]) {
    const h = createHash('sha256');
    for (let c; (c = s.nextChunk(1 << 20)) !== undefined;) { h.update(c); total += c.length; }
    hashes[s.name] = h.digest('hex');
    s.free();
  }
  const t2 = performance.now();
  media.free(); bundle.free();
  return { plan: t1 - t0, drain: t2 - t1, total: t2 - t0, bytes: total, hashes };
}

once(); // warm-up: V8 tiers wasm up lazily
const runs = Number(runsArg || 5);
const times = [];
let last;
for (let i = 0; i < runs; i++) { last = once(); times.push(last); }
const med = (k) => times.map((t) => t[k]).sort((a, b) => a - b)[Math.floor(times.length / 2)];
console.log(`wasm (node ${process.version}): virtio-win-8.1 bundle ${(bytes.length / 1048576).toFixed(1)} MiB -> ${(last.bytes / 1048576).toFixed(1)} MiB of output`);
console.log(`wasm: median of ${runs}: validate+plan ${med('plan').toFixed(0)} ms, drain ${med('drain').toFixed(0)} ms, total ${med('total').toFixed(0)} ms`);
for (const [n, h] of Object.entries(last.hashes)) console.log(`  ${n} ${h}`);
