// The client's scheduling (web/worker-api/client.js) against fake workers in Node: files
// digested in parts come back in staged order, a failing worker stops the others taking
// files, output pieces are handed out in order whoever produced them, a piece kept by one
// worker is produced by that worker even while it is the slow one, and aborts and worker
// failures reach the reader. The fake workers answer the same requests the real worker does
// (web/worker-api/guestpack-worker.js), with delays chosen per worker.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';

const require = createRequire(import.meta.url);
const { GuestpackClient } = require('../../web/worker-api/client.js');

const RECORD = 11; // any size: the client must take it from the core's constants
const NO_OWNER = 254;

/** Deterministic output bytes: byte i of output `key`. */
const outputByte = (key, i) => (i * 31 + key.length * 7 + (i >> 9)) & 255;
const outputBytes = (key, len) => Uint8Array.from({ length: len }, (_, i) => outputByte(key, i));

/** A stand-in for guestpack-worker.js: one request at a time, each after `delay` ms. */
class FakeWorker {
  constructor(index, { delay = 0, failDigestAt = -1, failRangeAt = -1, outputs = {}, sizes = [] } = {}) {
    Object.assign(this, { index, delay, failDigestAt, failRangeAt, outputs, sizes });
    this.queue = Promise.resolve();
    this.digested = []; // indices this worker digested
    this.served = []; // [key, start] of each range chunk it produced
    this.cursors = new Map();
    this.digestCalls = 0;
    this.rangeCalls = 0;
    this.terminated = false;
  }

  postMessage(msg) {
    this.queue = this.queue.then(async () => {
      await new Promise((r) => setTimeout(r, typeof this.delay === 'function' ? this.delay() : this.delay));
      if (this.terminated) return;
      let reply;
      try {
        reply = { id: msg.id, ok: true, result: this.handle(msg) };
      } catch (e) {
        reply = { id: msg.id, ok: false, error: e.message };
      }
      this.onmessage({ data: reply });
    });
  }

  handle(msg) {
    switch (msg.type) {
      case 'digest': {
        if (this.digestCalls++ === this.failDigestAt) throw new Error(`worker ${this.index}: file changed while read`);
        const out = new Uint8Array(msg.indices.length * RECORD);
        msg.indices.forEach((i, k) => out.fill(i & 255, k * RECORD, (k + 1) * RECORD));
        this.digested.push(...msg.indices);
        return out;
      }
      case 'range': {
        if (this.rangeCalls++ === this.failRangeAt) throw new Error(`worker ${this.index}: read error`);
        const id = `${msg.reader} ${msg.key} ${msg.start}`;
        const pos = this.cursors.get(id) ?? msg.start;
        const end = Math.min(pos + msg.max, msg.end);
        this.cursors.set(id, end);
        this.served.push([msg.key, msg.start]);
        // As the real worker: bytes and Blobs (what lies in the input), cut anywhere.
        const bytes = this.outputs[msg.key].subarray(pos, end);
        const cutAt = (pos * 7919) % (bytes.length + 1);
        return [bytes.subarray(0, cutAt), new Blob([bytes.subarray(cutAt)])].filter((p) => (p.length ?? p.size) > 0);
      }
      // A shared build's other steps, as the real worker answers them for an accepted input
      // (the digest key stands for what the real one hashes: here it comes with the options).
      case 'prepare':
        return { report: {}, accepted: true, sizes: Float64Array.from(this.sizes), fingerprint: 'same', digestKey: msg.options.key };
      case 'kept':
        return new Uint32Array(0);
      case 'plan':
        return { accepted: true, report: {}, manifest: 'm', outputs: [{ key: 'iso', name: 'a.iso', len: 1 }], pieces: { iso: [0, 1, 0, NO_OWNER] } };
      case 'closeReader':
      case 'cancel':
        return null;
      default:
        throw new Error(`unknown request "${msg.type}"`);
    }
  }

  terminate() {
    this.terminated = true;
  }
}

function client(options) {
  const workers = options.map((o, i) => new FakeWorker(i, o));
  const c = new GuestpackClient(workers);
  c.constants = { digestRecord: RECORD, noOwner: NO_OWNER, defaultSpec: 'x.json' };
  return { c, workers };
}

/** Pieces of `len` bytes cut every `step`, owned as `owner(i)` says. */
function cut(len, step, owner) {
  const pieces = [];
  for (let start = 0, i = 0; start < len; start += step, i++) {
    pieces.push({ start, end: Math.min(len, start + step), owner: owner(i) });
  }
  return pieces;
}

async function readAll(reader) {
  const parts = [];
  for (;;) {
    const c = await reader.next();
    if (c === undefined) break;
    for (const p of c) parts.push(p instanceof Blob ? Buffer.from(await p.arrayBuffer()) : p);
  }
  return Buffer.concat(parts);
}

test('digests come back in staged order, each file digested once, biggest first', async () => {
  const { c, workers } = client([{ delay: 3 }, { delay: 1 }, { delay: 2 }]);
  const sizes = Array.from({ length: 700 }, (_, i) => ((i * 7919) % 1000) * 1024);
  sizes[123] = 30 << 20; // one huge file
  const seen = [];
  const records = await c.digestShared(sizes, (done, total) => seen.push([done, total]));
  assert.equal(records.length, sizes.length * RECORD);
  for (let i = 0; i < sizes.length; i++) {
    assert.ok(records.subarray(i * RECORD, (i + 1) * RECORD).every((b) => b === (i & 255)), `record ${i}`);
  }
  const all = workers.flatMap((w) => w.digested).sort((a, b) => a - b);
  assert.deepEqual(all, [...sizes.keys()], 'every file digested exactly once');
  assert.ok(workers.every((w) => w.digested.length > 0), 'every worker took files');
  assert.equal(workers.find((w) => w.digested.includes(123)).digested[0], 123, 'the biggest file is taken first');
  const total = sizes.reduce((a, b) => a + b, 0);
  assert.deepEqual(seen.at(-1), [total, total]);
  assert.ok(seen.every(([d], i) => i === 0 || d >= seen[i - 1][0]), 'progress never goes back');
});

test('a worker that fails a digest fails the build and the others stop taking files', async () => {
  const { c, workers } = client([{ delay: 1, failDigestAt: 1 }, { delay: 5 }]);
  const sizes = Array.from({ length: 5000 }, () => 1000);
  await assert.rejects(c.digestShared(sizes), /worker 0: file changed while read/);
  await new Promise((r) => setTimeout(r, 50));
  const calls = workers[0].digestCalls + workers[1].digestCalls;
  assert.ok(calls < 10, `${calls} digest requests after the failure (${sizes.length / 256} batches in all)`);
});

test('pieces are handed out in order; kept pieces come from their keeper, even a slow one', async () => {
  const len = (3 << 20) + 12345;
  const outputs = { zip: outputBytes('zip', len) };
  const owner = (i) => (i % 5 === 2 ? 0 : i % 7 === 3 ? 1 : NO_OWNER);
  const pieces = cut(len, 100_000, owner);
  // Worker 0 keeps pieces and is by far the slowest: the reader must still progress.
  const { c, workers } = client([{ delay: 8, outputs }, { delay: 0, outputs }, { delay: 1, outputs }]);
  c.built = { outputs: [{ key: 'zip', len }], pieces: { zip: pieces } };
  const got = await readAll(c.openOutput('zip', { chunk: 32 * 1024 }));
  assert.equal(Buffer.compare(got, Buffer.from(outputs.zip)), 0, 'bytes in order');
  pieces.forEach((p, i) => {
    const by = workers.filter((w) => w.served.some(([, s]) => s === p.start)).map((w) => w.index);
    assert.ok(by.length === 1, `piece ${i} produced by one worker (${by})`);
    if (p.owner !== NO_OWNER) assert.deepEqual(by, [p.owner], `piece ${i} from its keeper`);
  });
  assert.ok(workers[1].served.length > 0 && workers[2].served.length > 0, 'the free pieces are shared out');
});

test('any chunk size and any worker speeds give the same bytes', async () => {
  const len = 777_777;
  const outputs = { iso: outputBytes('iso', len) };
  for (const chunk of [1 << 20, 4096, 999]) {
    const delay = () => Math.floor(Math.random() * 3);
    const { c } = client([{ delay, outputs }, { delay, outputs }]);
    c.built = { outputs: [{ key: 'iso', len }], pieces: { iso: cut(len, 65_536, (i) => (i % 3 === 0 ? i % 2 : NO_OWNER)) } };
    const got = await readAll(c.openOutput('iso', { chunk }));
    assert.equal(Buffer.compare(got, Buffer.from(outputs.iso)), 0, `chunk ${chunk}`);
  }
});

test('a worker failing a piece fails the reader with its error', async () => {
  const len = 1 << 20;
  const outputs = { manifest: outputBytes('manifest', len) };
  const { c } = client([{ delay: 1, outputs, failRangeAt: 3 }, { delay: 1, outputs }]);
  c.built = { outputs: [{ key: 'manifest', len }], pieces: { manifest: cut(len, 50_000, () => NO_OWNER) } };
  await assert.rejects(readAll(c.openOutput('manifest', { chunk: 10_000 })), /worker 0: read error/);
});

test('abort stops the reader and every pending request', async () => {
  const len = 4 << 20;
  const outputs = { zip: outputBytes('zip', len) };
  const { c, workers } = client([{ delay: 5, outputs }, { delay: 5, outputs }]);
  c.built = { outputs: [{ key: 'zip', len }], pieces: { zip: cut(len, 100_000, () => NO_OWNER) } };
  const reader = c.openOutput('zip', { chunk: 16_384 });
  assert.ok((await reader.next()).length > 0);
  const rest = readAll(reader);
  c.abort();
  await assert.rejects(rest, (e) => e.name === 'AbortError');
  assert.ok(workers.every((w) => w.terminated), 'workers terminated');
  assert.throws(() => c.openOutput('zip'), /no output "zip" in progress/);
});

test('a core error keeps the option it names and how to fix it', async () => {
  const w = new FakeWorker(0);
  w.handle = () => { throw new Error('never'); };
  w.postMessage = (msg) => setTimeout(() => w.onmessage({
    data: { id: msg.id, ok: false, error: 'a.zip: 7 entries, over the limit of 5', option: 'maxEntries', fix: 'raise' },
  }), 0);
  const c = new GuestpackClient([w]);
  await assert.rejects(c.validate('bundle'), (e) => e.option === 'maxEntries' && e.fix === 'raise' && /over the limit/.test(e.message));
});

test('a build of the same inputs again plans from the kept digests; another key or bundle reads again', async () => {
  const sizes = Array.from({ length: 600 }, () => 4096);
  const { c, workers } = client([{ sizes }, { sizes }]);
  const digestCalls = () => workers.reduce((n, w) => n + w.digestCalls, 0);
  const bundle = { name: 'drivers.zip' };
  let progress = [];
  assert.equal((await c.build(bundle, { key: 'k1' }, { onProgress: (d, t) => progress.push([d, t]) })).accepted, true);
  const first = digestCalls();
  assert.ok(first > 0);
  // The same inputs and options: the build in hand, no request at all.
  const planned = await c.build(bundle, { key: 'k1' });
  assert.equal(await c.build(bundle, { key: 'k1' }), planned, 'the same build is the one in hand');
  assert.equal(digestCalls(), first);
  // Another version: planned again, from the kept digests.
  progress = [];
  await c.build(bundle, { key: 'k1', version: '2.0' }, { onProgress: (d, t) => progress.push([d, t]) });
  assert.equal(digestCalls(), first, 'nothing read again');
  assert.deepEqual(progress.at(-1), [600 * 4096, 600 * 4096], 'progress still reaches the end');
  await c.build(bundle, { key: 'k2' });
  assert.ok(digestCalls() > first, 'another digest key reads again');
  const second = digestCalls();
  await c.build({ name: 'drivers.zip' }, { key: 'k2' });
  assert.ok(digestCalls() > second, 'another bundle object reads again');
});

test('a build asked for while another runs supersedes it', async () => {
  const sizes = Array.from({ length: 5000 }, () => 1000);
  const { c, workers } = client([{ sizes, delay: 1 }, { sizes, delay: 1 }]);
  const bundle = { name: 'drivers.zip' };
  // The newer build is asked for as soon as the older one has digested its first batch.
  let newer = null;
  const older = c.build(bundle, { key: 'a' }, {
    onProgress: (done) => { if (done > 0 && !newer) newer = c.build(bundle, { key: 'b' }); },
  });
  await assert.rejects(older, { name: 'AbortError' });
  assert.equal((await newer).accepted, true);
  const digested = workers.flatMap((w) => w.digested);
  const batches = Math.ceil(sizes.length / 256);
  const calls = workers.reduce((n, w) => n + w.digestCalls, 0);
  assert.ok(calls < 2 * batches, `the older build stopped taking files (${calls} digest requests, ${batches} per build)`);
  assert.ok(digested.length >= sizes.length, 'the newer build read every file');
});
