// guestpack worker: runs the wasm module in a dedicated (classic) worker so pages stay
// responsive and dropped files can be read synchronously with FileReaderSync.
//
// Load: the page creates the worker (from a URL or a blob: URL), then posts
//   {type: 'init', module: WebAssembly.Module, glueUrl?: string}
// where `module` is compiled once by the page and `glueUrl` points at pkg/no-modules/guestpack.js
// (omit it when the glue was already inlined in front of this script). Every later message
// carries an `id`; the reply is {id, ok: true, result} or {id, ok: false, error}.
//
// Requests (see client.js for the promise API):
//   validate {drivers, guestTools?, options}      -> report object
//   cancel   {}                                   -> drops the current build and its streams
//   specs    {}                                   -> {specs, defaultSpec, version, details: [{name, title,
//                                                    description, text}], schema} (details: the
//                                                    shipped specs' own words and JSON; schema: the
//                                                    spec JSON Schema's text)
//   makeSpec {drivers, options}                    -> {spec: JSON text or null, findings}: a spec made
//                                                    from the bundle's driver folders
//   verify   {media, manifestText?, options?}      -> {ok, missing, changed, extra, ...}
//   stats    {}                                   -> {wasmMemoryBytes, busyMs: {type: ms}} (wasm memory size,
//                                                    time spent on each kind of request)
// A build, shared among one or more workers (client.js runs one of these in each):
//   prepare  {drivers, guestTools?, options}      -> {report, accepted, sizes: Float64Array, fingerprint, digestKey}
//   digest   {indices: Uint32Array, progress?}    -> Uint8Array of digest records (transferred); with
//                                                    `progress`, {id, progress: bytes} messages while
//                                                    reading (every 4 MiB)
//   kept     {}                                   -> Uint32Array: the files this worker kept compressed
//   plan     {records: Uint8Array, owners: Uint8Array, workers}
//                                                 -> {accepted, report, outputs, manifest, pieces: {iso, zip, manifest}}
//                                                    (accepted false, with the report, when the
//                                                    catalog check on the digests finds errors)
//                                                    (pieces: [start, end, work, owner] flat, owner -1: any)
//   range    {reader, key, start, end, max}       -> next chunk of bytes start..end of an output, as an
//                                                    array of Uint8Arrays and Blobs (slices of the
//                                                    dropped file or of kept compressed bytes) of
//                                                    `max` bytes in all (less at the end); undefined
//                                                    once they are all handed out
//   closeReader {reader}                          -> frees the ranges a reader left open
// `drivers` / `guestTools` / `media` are a File/Blob (a zip or an ISO), an ArrayBuffer/Uint8Array
// (a zip or an ISO), or the string 'sample' (drivers only); the limits among `options` apply to
// opening them too. This file holds no packaging logic.
/* eslint-env worker */
'use strict';

let api = null; // wasm_bindgen exports once initialized
let memory = null; // the module's WebAssembly.Memory (it only grows)
let current = null; // {media}: the planned media set of the current build
let job = null; // the prepared input of a shared build
const busyMs = {}; // time spent handling each kind of request (reported by stats)
let ranges = new Map(); // `${reader} ${key} ${start}` -> OutputStream over one piece

// `options` (the request's options object) carries the input limits that apply to reading
// the container itself (maxEntries, maxTotalSize, maxFileSize, maxPathDepth, maxRatio).
function openBundle(input, what, options) {
  if (input === 'sample') return api.sampleBundle();
  if (input instanceof Blob) return api.Bundle.fromBlob(input, input.name || `${what}.zip`, options);
  if (input instanceof ArrayBuffer) return api.Bundle.fromBytes(new Uint8Array(input), `${what}.zip`, options);
  if (ArrayBuffer.isView(input)) return api.Bundle.fromBytes(new Uint8Array(input.buffer, input.byteOffset, input.byteLength), `${what}.zip`, options);
  throw new Error(`${what}: expected a File, Blob, ArrayBuffer or 'sample'`);
}

// The bundles opened last, by the id the client gives each input object, with the limits
// they were opened under: {id, limits, bundle}. Validating the same input again (a check after
// an option changed, the build after the check) does not read its directory again.
const opened = { drivers: null, 'guest-tools': null };
const LIMITS = ['maxEntries', 'maxTotalSize', 'maxFileSize', 'maxPathDepth', 'maxRatio'];

function cachedBundle(input, id, what, options) {
  const limits = JSON.stringify(LIMITS.map((k) => (options && options[k] != null ? String(options[k]) : null)));
  const held = opened[what];
  if (held && id != null && held.id === id && held.limits === limits) return held.bundle;
  const bundle = openBundle(input, what, options);
  if (held) held.bundle.free();
  opened[what] = id == null ? null : { id, limits, bundle };
  return bundle;
}

// Runs `fn` with the opened bundles; bundles without an id are freed afterwards (wasm memory
// is not GC'd), the others are kept for the next request.
function withBundles(msg, fn) {
  const drivers = cachedBundle(msg.drivers, msg.driversId, 'drivers', msg.options);
  const release = (b, id) => { if (id == null) b.free(); };
  let tools = null;
  try {
    tools = msg.guestTools == null ? null : cachedBundle(msg.guestTools, msg.guestToolsId, 'guest-tools', msg.options);
  } catch (e) {
    release(drivers, msg.driversId);
    throw e;
  }
  try {
    return fn(drivers, tools);
  } finally {
    release(drivers, msg.driversId);
    if (tools) release(tools, msg.guestToolsId);
  }
}

function dropRanges(reader) {
  for (const [k, s] of ranges) {
    if (reader === undefined || k.startsWith(`${reader} `)) {
      s.free();
      ranges.delete(k);
    }
  }
}

function dropCurrent() {
  dropRanges();
  if (job) { job.free(); job = null; }
  if (!current) return;
  current.media.free();
  current = null;
}

const handlers = {
  init(msg) {
    if (api) return { version: api.version(), constants: api.constants() };
    if (msg.glueUrl) importScripts(msg.glueUrl);
    // The no-modules glue declares a global `wasm_bindgen` (a script-level `let`, so it is
    // not a property of `self`) carrying the exports.
    const exports = wasm_bindgen.initSync({ module: msg.module }); // eslint-disable-line no-undef
    memory = exports && exports.memory;
    api = wasm_bindgen; // eslint-disable-line no-undef
    return { version: api.version(), constants: api.constants() };
  },
  specs() {
    const { specs: details, schema } = api.shippedSpecDetails();
    return { specs: api.shippedSpecs(), defaultSpec: api.constants().defaultSpec, version: api.version(), details, schema };
  },
  makeSpec(msg) {
    return withBundles({ ...msg, guestTools: null }, (d) => api.makeSpec(d, msg.options));
  },
  validate(msg) {
    return withBundles(msg, (d, t) => (t ? api.validateWith(d, t, msg.options) : api.validate(d, msg.options)));
  },
  prepare(msg) {
    dropCurrent();
    job = withBundles(msg, (d, t) => (t ? api.prepareWith(d, t, msg.options) : api.prepare(d, msg.options)));
    const sizes = job.accepted ? new Float64Array(job.sizes()) : new Float64Array(0);
    return { report: job.report, accepted: job.accepted, sizes, fingerprint: job.fingerprint(), digestKey: job.digestKey() };
  },
  digest(msg) {
    if (!job) throw new Error('no prepared build (prepare first, or it was cancelled)');
    // Progress messages carry the request's id: the client hands them to the caller.
    const progress = msg.progress ? (n) => postMessage({ id: msg.id, progress: n }) : undefined;
    return job.digest(msg.indices, progress);
  },
  kept() {
    if (!job) throw new Error('no prepared build (prepare first, or it was cancelled)');
    return new Uint32Array(job.kept());
  },
  plan(msg) {
    if (!job) throw new Error('no prepared build (prepare first, or it was cancelled)');
    const media = job.plan(msg.records, msg.owners);
    job.free();
    job = null;
    // The catalog check runs on the digests: it may still reject the input.
    if (!media.accepted) {
      const report = media.report;
      media.free();
      return { accepted: false, report };
    }
    current = { media };
    const outputs = [];
    const pieces = {};
    for (const key of ['iso', 'zip', 'manifest']) {
      const s = media[key]();
      outputs.push({ key, name: s.name, len: s.len() });
      s.free();
      pieces[key] = new Float64Array(media.pieces(key, msg.workers || 1));
    }
    return { accepted: true, report: media.report, outputs, manifest: media.manifestText(), pieces };
  },
  range(msg) {
    if (!current) throw new Error(`no output "${msg.key}" in progress (build first, or it was cancelled)`);
    const id = `${msg.reader} ${msg.key} ${msg.start}`;
    let s = ranges.get(id);
    if (!s) {
      s = current.media.range(msg.key, msg.start, msg.end);
      ranges.set(id, s);
    }
    const chunk = s.nextParts(msg.max || 1 << 20);
    if (chunk === undefined || s.isDone()) {
      s.free();
      ranges.delete(id);
    }
    return chunk;
  },
  closeReader(msg) {
    dropRanges(msg.reader);
    return null;
  },
  cancel() {
    dropCurrent();
    return null;
  },
  verify(msg) {
    const media = openBundle(msg.media, 'media', msg.options);
    try {
      return api.verify(media, msg.manifestText == null ? undefined : msg.manifestText);
    } finally {
      media.free();
    }
  },
  stats() {
    return { wasmMemoryBytes: memory ? memory.buffer.byteLength : null, busyMs: { ...busyMs } };
  },
};

self.onmessage = (ev) => {
  const msg = ev.data || {};
  const { id, type } = msg;
  try {
    const handler = handlers[type];
    if (!handler) throw new Error(`unknown request "${type}"`);
    if (!api && type !== 'init') throw new Error('the worker is not initialized (send init first)');
    const t0 = performance.now();
    const result = handler(msg);
    busyMs[type] = (busyMs[type] || 0) + (performance.now() - t0);
    // Chunks are transferred, not copied (a Blob is passed by reference anyway).
    const transfer = result instanceof Uint8Array || result instanceof Uint32Array ? [result.buffer]
      : Array.isArray(result) ? result.filter((p) => p instanceof Uint8Array).map((p) => p.buffer)
        : result && result.sizes instanceof Float64Array ? [result.sizes.buffer] : [];
    self.postMessage({ id, ok: true, result }, transfer);
  } catch (e) {
    // `option`: the limit a core error asks to raise (see the wasm's JsFailure).
    self.postMessage({ id, ok: false, error: e && e.message ? e.message : String(e), option: e && e.option, fix: e && e.fix });
  }
};
