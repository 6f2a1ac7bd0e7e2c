// guestpack client: a promise API over a pool of guestpack-worker.js workers, for page code.
//
//   const gp = await GuestpackClient.start({ workerUrl, glueUrl, wasmUrl, workers: 2 });
//   const report = await gp.validate(file, { spec: 'win7-virtio-win.json' });
//   const out = await gp.build(file, { version: '1.2.3' }, { onProgress });
//   if (out.accepted) for (const o of out.outputs) await gp.pump(o.key, writable);
//   gp.terminate();
//
// Each worker runs its own wasm instance (wasm here has no threads, and pages opened from
// file:// get no SharedArrayBuffer), so a build is shared out by messages: every worker
// validates the same input, the files are digested in parts by whichever worker is free, every
// worker plans the media from all the digests, and each output is produced in pieces by
// several workers at once and handed out in order. The bytes do not depend on the number of
// workers or on who did what (src/split.rs). One request runs at a time per worker; a running
// wasm call cannot be interrupted: `abort()` terminates the workers (hard stop) and rejects
// everything pending; `start()` again to continue. This file never touches wasm.
'use strict';

/** One worker and its pending requests. */
class WorkerLink {
  constructor(worker, onFatal) {
    this.worker = worker;
    this.nextId = 1;
    this.pending = new Map();
    worker.onmessage = (ev) => {
      const { id, ok, result, error, option, fix, progress } = ev.data;
      const p = this.pending.get(id);
      if (!p) return;
      // Progress of a request still running (bytes read since the last message).
      if (progress != null) { if (p.onProgress) p.onProgress(progress); return; }
      this.pending.delete(id);
      if (ok) p.resolve(result);
      else p.reject(option ? Object.assign(new Error(error), { option, fix }) : new Error(error));
    };
    worker.onerror = (ev) => onFatal(new Error(`guestpack worker failed: ${ev.message || 'unknown error'}`));
  }

  call(msg, transfer = [], onProgress = null) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ ...msg, id }, transfer);
    });
  }

  failAll(err) {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

const aborted = () => new DOMException('aborted', 'AbortError');

class GuestpackClient {
  /**
   * @param {{workerUrl: string, glueUrl?: string, module?: WebAssembly.Module, wasmUrl?: string,
   *          workers?: number}} o
   * `module` (already compiled) or `wasmUrl` (compiled here, asynchronously: Chromium refuses
   * synchronous compiles of large modules on the main thread). `workers`: how many workers
   * share a build [default: the number of cores, at most 4].
   */
  static async start(o) {
    const module = o.module || (await WebAssembly.compileStreaming(fetch(o.wasmUrl)));
    const cores = (typeof navigator !== 'undefined' && navigator.hardwareConcurrency) || 1;
    const n = Math.max(1, Math.min(16, Math.floor(o.workers || Math.min(cores, 4))));
    const client = new GuestpackClient([...Array(n)].map(() => new Worker(o.workerUrl)));
    const glueUrl = o.glueUrl ? new URL(o.glueUrl, location.href).href : undefined;
    const inits = await Promise.all(client.links.map((l) => l.call({ type: 'init', module, glueUrl })));
    client.version = inits[0].version;
    // Shared-build record size and no-owner marker come from the core, never copied here.
    client.constants = inits[0].constants;
    return client;
  }

  constructor(workers) {
    this.links = workers.map((w) => new WorkerLink(w, (e) => this.failAll(e)));
    this.built = null; // {outputs, pieces} of the current build
    this.readers = new Map(); // key -> OrderedReader used by nextChunk()
    this.nextReader = 1;
    this.ids = new WeakMap(); // input object -> id (see inputs())
    this.nextId = 1;
    this.runs = 0; // builds asked for; only the latest may go on
    this.queue = Promise.resolve(); // the build running, which the next one waits for
    this.digests = null; // {drivers, guestTools, key, records} of the last build that read its files
    this.last = null; // {drivers, guestTools, options (JSON), result} of the build in hand
  }

  /** Number of workers sharing each build. */
  get workers() {
    return this.links.length;
  }

  // Runs `fn` unless `signal` aborts first; an abort terminates the workers (a wasm call in
  // progress cannot be stopped any other way).
  guard(signal, fn) {
    if (signal && signal.aborted) return Promise.reject(aborted());
    if (!signal) return fn();
    return new Promise((resolve, reject) => {
      const onAbort = () => { this.abort(); reject(aborted()); };
      signal.addEventListener('abort', onAbort, { once: true });
      fn().then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  call(msg, signal) {
    return this.guard(signal, () => this.links[0].call(msg));
  }

  // The inputs of a request, each with an id that stays the same for the same object: a
  // worker keeps the last bundles it opened by id and does not read a container's directory
  // again for the next request about it (a File is an immutable snapshot, so the same object
  // is the same bytes).
  inputs(drivers, guestTools) {
    const id = (o) => {
      if (o == null || typeof o !== 'object') return o == null ? null : String(o);
      if (!this.ids.has(o)) this.ids.set(o, `b${this.nextId++}`);
      return this.ids.get(o);
    };
    return { drivers, guestTools, driversId: id(drivers), guestToolsId: id(guestTools) };
  }

  /** Shipped spec names, the default one, the packager version, each spec's title,
   * description and text (`details`) and the spec JSON Schema (`schema`). */
  specs() {
    return this.call({ type: 'specs' });
  }

  /** A spec made from the bundle's driver folders: {spec: JSON text or null, findings}. */
  makeSpec(drivers, options = {}) {
    return this.call({ type: 'makeSpec', ...this.inputs(drivers, null), options });
  }

  /** Report object: {accepted, errors, warnings, findings: [...], packages: [...], layout}. */
  validate(drivers, options = {}, { guestTools, signal } = {}) {
    return this.call({ type: 'validate', ...this.inputs(drivers, guestTools), options }, signal);
  }

  /**
   * Validates, then (when accepted) reads, hashes and plans every file, shared among the
   * workers. Resolves to {report, accepted, outputs: [{key: 'iso'|'zip'|'manifest', name, len}],
   * manifest: text}. `onProgress(bytesRead, bytesTotal)` follows the reading.
   *
   * The digests are kept for the next build of the same `drivers` and `guestTools` objects
   * with the same staged files and zip level (the core's `digestKey`): a build after a check,
   * or after changing only the version or the label, plans from them without reading. Builds
   * run one at a time; a build started while another runs supersedes it (the earlier one
   * stops between requests and rejects with an AbortError).
   */
  build(drivers, options = {}, { guestTools, signal, onProgress } = {}) {
    // The same inputs and options as the build in hand (the page's check, then Build): its
    // plan is still in the workers, nothing to do again.
    const same = JSON.stringify(options);
    const last = this.last;
    if (this.built && last && last.drivers === drivers && last.guestTools === guestTools && last.options === same) {
      return Promise.resolve(last.result);
    }
    const run = ++this.runs;
    const go = () => this.guard(signal, () => this.buildShared(run, drivers, options, guestTools, onProgress));
    const result = this.queue.then(go, go);
    this.queue = result.catch(() => {});
    return result;
  }

  // Throws an AbortError once a newer build was asked for.
  current(run) {
    if (run !== this.runs) throw new DOMException('superseded by a newer build', 'AbortError');
  }

  async buildShared(run, drivers, options, guestTools, onProgress) {
    this.current(run);
    this.dropBuild();
    const inputs = this.inputs(drivers, guestTools);
    const prepared = await Promise.all(this.links.map((l) => l.call({ type: 'prepare', ...inputs, options })));
    this.current(run);
    const first = prepared[0];
    if (!first.accepted) return { report: first.report, accepted: false, outputs: [] };
    if (prepared.some((p) => p.fingerprint !== first.fingerprint)) {
      throw new Error('the workers read different inputs (did the file change while it was being read?)');
    }
    const sizes = first.sizes;
    const d = this.digests;
    const reuse = d && d.drivers === drivers && d.guestTools === guestTools && d.key === first.digestKey;
    this.digests = null;
    const records = reuse ? d.records : await this.digestShared(sizes, onProgress, run);
    this.current(run);
    if (reuse && onProgress) {
      const total = sizes.reduce((a, b) => a + b, 0);
      onProgress(total, total);
    }
    this.digests = { drivers, guestTools, key: first.digestKey, records };
    // Each worker kept some small files compressed: it produces the zip pieces holding them.
    const owners = new Uint8Array(sizes.length).fill(this.constants.noOwner);
    const kept = await Promise.all(this.links.map((l) => l.call({ type: 'kept' })));
    kept.forEach((indices, w) => { for (const i of indices) owners[i] = w; });
    const plans = await Promise.all(this.links.map((l) => l.call({ type: 'plan', records, owners, workers: this.links.length })));
    this.current(run);
    const p0 = plans[0];
    // Every worker checked the same digests against the same catalogs.
    if (!p0.accepted) return { report: p0.report, accepted: false, outputs: [] };
    const same = (p) => p.manifest === p0.manifest && p.outputs.every((o, i) => o.len === p0.outputs[i].len);
    if (!plans.every(same)) throw new Error('the workers planned different media (did a file change while it was being read?)');
    const pieces = {};
    for (const [key, flat] of Object.entries(p0.pieces)) {
      pieces[key] = [];
      for (let i = 0; i < flat.length; i += 4) pieces[key].push({ start: flat[i], end: flat[i + 1], owner: flat[i + 3] });
    }
    this.built = { outputs: p0.outputs, pieces };
    const result = { report: p0.report, accepted: true, outputs: p0.outputs, manifest: p0.manifest };
    this.last = { drivers, guestTools, options: JSON.stringify(options), result };
    return result;
  }

  // Hands files out to whichever worker is free, biggest first (so the last ones even out),
  // in batches of up to 8 MiB (less for small inputs) or 256 files; puts the records back in
  // staged order.
  // `run`: the build this is for (stops once a newer one is asked for).
  async digestShared(sizes, onProgress, run = this.runs) {
    const RECORD = this.constants.digestRecord;
    const n = sizes.length;
    const order = [...Array(n).keys()].sort((a, b) => sizes[b] - sizes[a] || a - b);
    const total = order.reduce((s, i) => s + sizes[i], 0);
    const records = new Uint8Array(n * RECORD);
    let next = 0;
    let done = 0;
    let failed = false; // once one worker failed, the others stop taking files
    // Batches of up to 8 MiB, smaller when the whole is small so that every worker gets some.
    const cap = Math.min(8 << 20, Math.max(1 << 20, Math.ceil(total / (this.links.length * 4))));
    if (onProgress) onProgress(0, total);
    // Batches being read now, each with how much of it a worker said it has read.
    const reading = new Set();
    const inFlight = () => { let n = 0; for (const r of reading) n += r.read(); return n; };
    const work = async (link) => {
      while (next < n && !failed) {
        this.current(run);
        const batch = [];
        let bytes = 0;
        while (next < n && batch.length < 256 && (batch.length === 0 || bytes + sizes[order[next]] <= cap)) {
          bytes += sizes[order[next]];
          batch.push(order[next++]);
        }
        const indices = Uint32Array.from(batch);
        // The worker tells how far it has read inside the batch (one big file moves the bar);
        // the batch's full size is counted once it is done, whatever was heard before.
        let heard = 0;
        const partly = onProgress && ((n) => {
          heard += n;
          onProgress(Math.min(total, done + inFlight()), total);
        });
        const slot = { read: () => Math.min(heard, bytes) };
        reading.add(slot);
        const got = await link.call({ type: 'digest', indices, progress: !!partly }, [], partly).catch((e) => { failed = true; throw e; })
          .finally(() => reading.delete(slot));
        if (got.length !== batch.length * RECORD) throw new Error('a worker returned a malformed digest');
        batch.forEach((i, k) => records.set(got.subarray(k * RECORD, (k + 1) * RECORD), i * RECORD));
        done += bytes;
        if (onProgress) onProgress(done + inFlight(), total);
      }
    };
    await Promise.all(this.links.map(work));
    return records;
  }

  /**
   * Checks existing media (an ISO or zip File/Blob) against its manifest.json, or against
   * `manifestText`: {ok, listed, matched, missing: [path], changed: [{path, ...}], extra: [path]}.
   * `options` may carry input limits (maxEntries, …) for reading the media.
   */
  verify(media, { manifestText, signal, options } = {}) {
    return this.call({ type: 'verify', media, manifestText, options }, signal);
  }

  /** A reader handing out one output of the current build in order, chunk by chunk. */
  openOutput(key, { chunk = 1 << 20 } = {}) {
    if (!this.built || !this.built.pieces[key]) {
      throw new Error(`no output "${key}" in progress (build first, or it was cancelled)`);
    }
    return new OrderedReader(this, this.nextReader++, key, this.built.pieces[key], chunk);
  }

  /**
   * The next chunk of an output as parts (Uint8Arrays and Blobs, up to `max` bytes in all), or
   * undefined when it is complete. A Blob part is a slice of the dropped file or of bytes a
   * worker kept: handing it to a Blob, a download or a file handle copies nothing through
   * the page.
   */
  async nextParts(key, max = 1 << 20, signal) {
    let r = this.readers.get(key);
    if (!r) {
      r = this.openOutput(key, { chunk: max });
      this.readers.set(key, r);
    }
    const c = await this.guard(signal, () => r.next());
    if (c === undefined) this.readers.delete(key);
    return c;
  }

  /** The next chunk (Uint8Array, up to `max` bytes) of an output, or undefined when it is complete. */
  async nextChunk(key, max = 1 << 20, signal) {
    const parts = await this.nextParts(key, max, signal);
    return parts === undefined ? undefined : this.guard(signal, () => joinParts(parts));
  }

  /**
   * Copies one output into a WritableStream (e.g. from showSaveFilePicker().createWritable()),
   * awaiting the writer between chunks so memory stays at a few chunks per worker. Returns
   * bytes written. The stream gets Uint8Arrays; with `blobs: true` it gets Blobs, each of
   * chunks gathered up to `batch` bytes (at most 8 MiB of them bytes held in memory): a
   * FileSystemWritableFileStream takes them, and then file data never passes through the page.
   */
  async pump(key, writable, { chunk = 1 << 20, signal, onProgress, blobs = false, batch = 64 << 20 } = {}) {
    const writer = writable.getWriter();
    // A cancel must not wait for a slow sink: every await below also ends on abort.
    const stopped = new Promise((_, reject) => {
      if (signal) signal.addEventListener('abort', () => reject(aborted()), { once: true });
    });
    stopped.catch(() => {});
    const unlessAborted = (p) => Promise.race([p, stopped]);
    let written = 0;
    let reader = null;
    try {
      if (signal && signal.aborted) throw aborted();
      reader = this.openOutput(key, { chunk });
      // With Blobs, chunks are gathered into one Blob of up to `batch` bytes (at most
      // PUMP_BATCH_HELD of them bytes held here) per write: each write of a file stream is a
      // round trip, and a Blob of slices costs nothing until the sink reads it.
      let gathered = [];
      let batchSize = 0;
      let batchHeld = 0;
      const flush = async () => {
        if (!gathered.length) return;
        const part = blobs ? new Blob(gathered) : await unlessAborted(joinParts(gathered));
        gathered = [];
        batchSize = 0;
        batchHeld = 0;
        await unlessAborted(writer.ready);
        await unlessAborted(writer.write(part));
        written += partSize(part);
        if (onProgress) onProgress(written);
      };
      for (;;) {
        const parts = await unlessAborted(this.guard(signal, () => reader.next()));
        if (parts === undefined) break;
        const size = parts.reduce((n, q) => n + partSize(q), 0);
        const held = parts.reduce((n, q) => n + (q instanceof Uint8Array ? q.length : 0), 0);
        // A write never goes over the batch (unless one chunk does).
        if (batchSize + size > batch || batchHeld + held > PUMP_BATCH_HELD) await flush();
        gathered.push(...parts);
        batchSize += size;
        batchHeld += held;
        if (!blobs) await flush();
      }
      await flush();
      await unlessAborted(writer.close());
    } catch (e) {
      if (reader) reader.close();
      // Not awaited: the sink aborts (discarding a half-written file) once its current write
      // settles, which may be after we report the cancel.
      writer.abort(e).catch(() => {});
      throw e;
    }
    return written;
  }

  /** Collects one output into a Blob (fallback for browsers without a file picker). */
  async toBlob(key, { chunk = 1 << 20, signal, type = 'application/octet-stream' } = {}) {
    const reader = this.openOutput(key, { chunk });
    const parts = [];
    try {
      for (;;) {
        const got = await this.guard(signal, () => reader.next());
        if (got === undefined) return new Blob(parts, { type });
        parts.push(...got);
      }
    } finally {
      reader.close();
    }
  }

  /**
   * {wasmMemoryBytes, workers: [bytes per worker], busyMs: [{request type: ms} per worker]}:
   * wasm memory sizes (their high-water marks) and how long each worker was busy.
   */
  async stats() {
    const all = await Promise.all(this.links.map((l) => l.call({ type: 'stats' })));
    const each = all.map((s) => s.wasmMemoryBytes);
    return { wasmMemoryBytes: each.reduce((a, b) => a + (b || 0), 0), workers: each, busyMs: all.map((s) => s.busyMs) };
  }

  /** Restarts one output of the current build from its first byte (to save it again). */
  async rewind(key) {
    if (!this.built || !this.built.pieces[key]) {
      throw new Error(`no output "${key}" in progress (build first, or it was cancelled)`);
    }
    const r = this.readers.get(key);
    if (r) r.close();
    this.readers.delete(key);
    return null;
  }

  dropBuild() {
    for (const r of this.readers.values()) r.close();
    this.readers.clear();
    this.built = null;
    this.last = null;
  }

  /** Drops the current build and its streams (soft cancel between chunks). */
  async cancel() {
    this.dropBuild();
    await Promise.all(this.links.map((l) => l.call({ type: 'cancel' })));
    return null;
  }

  /** Hard stop: terminates the workers, even inside a long wasm call. */
  abort() {
    for (const l of this.links) l.worker.terminate();
    this.failAll(aborted());
  }

  terminate() {
    this.abort();
  }

  failAll(err) {
    this.built = null;
    this.last = null;
    this.digests = null;
    this.readers.clear();
    for (const l of this.links) l.failAll(err);
  }
}

/**
 * Hands out one output's bytes in order while every worker produces pieces ahead of it.
 * A worker takes the earliest piece not yet taken that it may produce (a piece whose entries
 * a worker kept compressed is that worker's; any other is anyone's), so each worker's pieces
 * come in order and every earlier piece it could have taken is taken. It asks for the next
 * chunk of its earliest unfinished piece while it has less than AHEAD bytes waiting to be
 * handed out. The piece being handed out therefore belongs to a worker whose waiting bytes
 * are all that piece's, or is free to be taken: it always progresses (no deadlock), and
 * memory stays at about AHEAD per worker. A worker can only finish a piece ahead if its output
 * fits in AHEAD: pieces are about one file.
 */
class OrderedReader {
  constructor(client, id, key, pieces, chunk) {
    this.client = client;
    this.id = id;
    this.key = key;
    this.chunk = chunk;
    this.pieces = pieces.map((p) => ({
      ...p,
      requested: 0, // chunk requests sent
      count: Math.ceil((p.end - p.start) / chunk), // chunk requests it takes
      chunks: [],
      received: 0,
      link: null,
    }));
    this.cur = 0; // piece being handed out
    this.firstFree = 0; // no piece before this one is still to be taken
    this.state = client.links.map((link) => ({ link, inflight: 0, waiting: 0, mine: [] }));
    this.error = null;
    this.wake = null;
    this.closed = false;
  }

  static get AHEAD() { return 16 << 20; }

  // The earliest piece not yet taken that worker `index` may produce, or undefined.
  nextFor(index) {
    while (this.firstFree < this.pieces.length && this.pieces[this.firstFree].link) this.firstFree++;
    for (let i = this.firstFree; i < this.pieces.length; i++) {
      const p = this.pieces[i];
      if (!p.link && (p.owner < 0 || p.owner === index || p.owner >= this.state.length)) return p;
    }
    return undefined;
  }

  schedule() {
    if (this.closed || this.error) return;
    this.state.forEach((w, index) => {
      while (w.inflight < 2) {
        let p = w.mine.find((q) => q.requested < q.count);
        if (!p) {
          if (w.waiting >= OrderedReader.AHEAD) break;
          p = this.nextFor(index);
          if (!p) break;
          p.link = w;
          w.mine.push(p);
        }
        if (w.waiting + w.inflight * this.chunk >= OrderedReader.AHEAD && p !== this.pieces[this.cur]) break;
        this.request(w, p);
      }
    });
  }

  request(w, p) {
    p.requested++;
    w.inflight++;
    w.link.call({ type: 'range', reader: this.id, key: this.key, start: p.start, end: p.end, max: this.chunk })
      .then((parts) => {
        const size = Array.isArray(parts) ? parts.reduce((n, q) => n + partSize(q), 0) : 0;
        if (size === 0) throw new Error(`${this.key}: a worker ended a piece early`);
        // Memory held here: bytes only (a Blob part is a reference).
        const held = parts.reduce((n, q) => n + (q instanceof Uint8Array ? q.length : 0), 0);
        return { parts, held };
      })
      .then((c) => {
        w.inflight--;
        if (this.closed) return;
        p.chunks.push(c);
        p.received++;
        w.waiting += c.held;
        this.schedule();
        this.notify();
      }, (e) => {
        w.inflight--;
        if (!this.error) this.error = e;
        this.notify();
      });
  }

  notify() {
    const wake = this.wake;
    this.wake = null;
    if (wake) wake();
  }

  /** The next chunk (an array of Uint8Arrays and Blobs), or undefined after the last one. */
  async next() {
    for (;;) {
      if (this.error) throw this.error;
      if (this.closed) throw new Error(`${this.key}: the reader was closed`);
      const p = this.pieces[this.cur];
      if (!p) return undefined;
      if (p.count === 0) { this.cur++; continue; }
      this.schedule();
      if (p.chunks.length) {
        const c = p.chunks.shift();
        p.link.waiting -= c.held;
        if (p.received === p.count && p.chunks.length === 0) {
          p.link.mine.splice(p.link.mine.indexOf(p), 1);
          this.cur++;
        }
        this.schedule();
        return c.parts;
      }
      await new Promise((resolve) => { this.wake = resolve; });
    }
  }

  /** Stops producing; frees what the workers hold for this reader. */
  close() {
    if (this.closed) return;
    this.closed = true;
    this.notify();
    for (const w of this.state) w.link.call({ type: 'closeReader', reader: this.id }).catch(() => {});
  }
}

/** Bytes held in memory in one write of `pump` with Blobs. */
const PUMP_BATCH_HELD = 8 << 20;

/** Bytes a part (Uint8Array or Blob) stands for. */
function partSize(part) {
  return part instanceof Uint8Array ? part.length : part.size;
}

/** One Uint8Array holding the parts' bytes (Blob parts are read). */
async function joinParts(parts) {
  if (parts.length === 1 && parts[0] instanceof Uint8Array) return parts[0];
  if (parts.every((q) => q instanceof Uint8Array)) {
    const out = new Uint8Array(parts.reduce((n, q) => n + q.length, 0));
    let at = 0;
    for (const q of parts) { out.set(q, at); at += q.length; }
    return out;
  }
  return new Uint8Array(await new Blob(parts).arrayBuffer());
}

if (typeof module !== 'undefined' && module.exports) module.exports = { GuestpackClient };
else self.GuestpackClient = GuestpackClient;
