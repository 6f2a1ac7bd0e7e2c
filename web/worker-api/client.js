// guestpack client: a small promise wrapper around guestpack-worker.js for page code.
//
//   const gp = await GuestpackClient.start({ workerUrl, glueUrl, wasmUrl });
//   const report = await gp.validate(file, { spec: 'win7-virtio-win.json' });
//   const out = await gp.build(file, { version: '1.2.3' });
//   if (out.accepted) for (const o of out.outputs) await gp.pump(o.key, writable);
//   gp.terminate();
//
// One request runs at a time in the worker (wasm is single-threaded); calls queue up. A
// running wasm call cannot be interrupted: `abort()` terminates the worker (hard stop) and
// rejects everything pending; `start()` again to continue. This file never touches wasm.
'use strict';

class GuestpackClient {
  /**
   * @param {{workerUrl: string, glueUrl?: string, module?: WebAssembly.Module, wasmUrl?: string}} o
   * `module` (already compiled) or `wasmUrl` (compiled here, asynchronously: Chromium refuses
   * synchronous compiles of large modules on the main thread).
   */
  static async start(o) {
    const module = o.module || (await WebAssembly.compileStreaming(fetch(o.wasmUrl)));
    const client = new GuestpackClient(new Worker(o.workerUrl));
    const glueUrl = o.glueUrl ? new URL(o.glueUrl, location.href).href : undefined;
    client.version = (await client.call({ type: 'init', module, glueUrl })).version;
    return client;
  }

  constructor(worker) {
    this.worker = worker;
    this.nextId = 1;
    this.pending = new Map();
    worker.onmessage = (ev) => {
      const { id, ok, result, error } = ev.data;
      const p = this.pending.get(id);
      if (!p) return;
      this.pending.delete(id);
      if (ok) p.resolve(result);
      else p.reject(new Error(error));
    };
    worker.onerror = (ev) => this.failAll(new Error(`guestpack worker failed: ${ev.message || 'unknown error'}`));
  }

  call(msg, signal) {
    if (signal && signal.aborted) return Promise.reject(new DOMException('aborted', 'AbortError'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = () => this.abort();
      const settle = (fn) => (v) => {
        if (signal) signal.removeEventListener('abort', onAbort);
        fn(v);
      };
      this.pending.set(id, { resolve: settle(resolve), reject: settle(reject) });
      if (signal) signal.addEventListener('abort', onAbort, { once: true });
      this.worker.postMessage({ ...msg, id });
    });
  }

  /** Shipped spec names and the packager version. */
  specs() {
    return this.call({ type: 'specs' });
  }

  /** Report object: {accepted, errors, warnings, findings: [...], packages: [...]}. */
  validate(drivers, options = {}, { guestTools, signal } = {}) {
    return this.call({ type: 'validate', drivers, guestTools, options }, signal);
  }

  /** {report, accepted, outputs: [{key: 'iso'|'zip'|'manifest', name, len}], manifest: text}. */
  build(drivers, options = {}, { guestTools, signal } = {}) {
    return this.call({ type: 'build', drivers, guestTools, options }, signal);
  }

  /**
   * Checks existing media (an ISO or zip File/Blob) against its manifest.json, or against
   * `manifestText`: {ok, listed, matched, missing: [path], changed: [{path, ...}], extra: [path]}.
   */
  verify(media, { manifestText, signal } = {}) {
    return this.call({ type: 'verify', media, manifestText }, signal);
  }

  /** The next chunk of an output (Uint8Array), or undefined when it is complete. */
  nextChunk(key, max = 1 << 20, signal) {
    return this.call({ type: 'nextChunk', key, max }, signal);
  }

  /**
   * Copies one output into a WritableStream (e.g. from showSaveFilePicker().createWritable()),
   * awaiting the writer between chunks so memory stays at one chunk. Returns bytes written.
   */
  async pump(key, writable, { chunk = 1 << 20, signal, onProgress } = {}) {
    const writer = writable.getWriter();
    // A cancel must not wait for a slow sink: every await below also ends on abort.
    const aborted = new Promise((_, reject) => {
      if (signal) signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')), { once: true });
    });
    aborted.catch(() => {});
    const unlessAborted = (p) => Promise.race([p, aborted]);
    let written = 0;
    try {
      for (;;) {
        const bytes = await this.nextChunk(key, chunk, signal);
        if (bytes === undefined) break;
        await unlessAborted(writer.ready);
        await unlessAborted(writer.write(bytes));
        written += bytes.length;
        if (onProgress) onProgress(written);
      }
      await unlessAborted(writer.close());
    } catch (e) {
      // Not awaited: the sink aborts (discarding a half-written file) once its current write
      // settles, which may be after we report the cancel.
      writer.abort(e).catch(() => {});
      throw e;
    }
    return written;
  }

  /** Collects one output into a Blob (fallback for browsers without a file picker; small outputs). */
  async toBlob(key, { chunk = 1 << 20, signal, type = 'application/octet-stream' } = {}) {
    const parts = [];
    for (;;) {
      const bytes = await this.nextChunk(key, chunk, signal);
      if (bytes === undefined) return new Blob(parts, { type });
      parts.push(bytes);
    }
  }

  /** {wasmMemoryBytes}: current size of the worker's wasm memory (its high-water mark). */
  stats() {
    return this.call({ type: 'stats' });
  }

  /** Restarts one output of the current build from its first byte (to save it again). */
  rewind(key) {
    return this.call({ type: 'rewind', key });
  }

  /** Drops the current build's streams (soft cancel between chunks). */
  cancel() {
    return this.call({ type: 'cancel' });
  }

  /** Hard stop: terminates the worker, even inside a long wasm call. */
  abort() {
    this.worker.terminate();
    this.failAll(new DOMException('aborted', 'AbortError'));
  }

  terminate() {
    this.abort();
  }

  failAll(err) {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

if (typeof module !== 'undefined' && module.exports) module.exports = { GuestpackClient };
else self.GuestpackClient = GuestpackClient;
