// Declarations of client.js: a promise API over a pool of guestpack-worker.js workers, for
// page code. Written by hand; the shapes it returns are the core's (guestpack.d.ts).

import type { MadeSpec, Options, OutputKey, Report, SpecDetails, VerifyResult } from "./guestpack";

/** What a request takes as an input: a zip or ISO as a File/Blob or bytes, or the built-in sample. */
export type Input = Blob | ArrayBuffer | ArrayBufferView | "sample";

export interface StartOptions {
  /** URL of guestpack-worker.js. */
  workerUrl: string | URL;
  /** URL of the no-modules glue (no-modules/guestpack.js); leave out when it is inlined in the worker. */
  glueUrl?: string;
  /** The module, already compiled; else `wasmUrl` is fetched and compiled. */
  module?: WebAssembly.Module;
  /** URL of guestpack_bg.wasm. */
  wasmUrl?: string;
  /** Workers sharing each build. Default: the number of cores, at most 4. */
  workers?: number;
}

/** One output of an accepted build: its key, file name and exact length in bytes. */
export interface OutputInfo {
  key: OutputKey;
  name: string;
  len: number;
}

export interface BuildResult {
  report: Report;
  accepted: boolean;
  /** Empty when not accepted. */
  outputs: OutputInfo[];
  /** manifest.json's text, when accepted. */
  manifest?: string;
}

export interface ShippedSpecs {
  specs: string[];
  defaultSpec: string;
  /** The packager version, as in manifest.json. */
  version: string;
  details: SpecDetails["specs"];
  schema: string;
}

export interface Stats {
  /** All workers' wasm memory, in bytes (high-water marks). */
  wasmMemoryBytes: number;
  workers: number[];
  /** Per worker: milliseconds spent on each kind of request. */
  busyMs: Array<Record<string, number>>;
}

/** Hands out one output of the current build in order, chunk by chunk. */
export interface OrderedReader {
  /** The next chunk (Uint8Arrays and Blobs), or undefined once the output is complete. */
  next(): Promise<Array<Uint8Array | Blob> | undefined>;
  close(): void;
}

export class GuestpackClient {
  /** Starts the workers and loads the module in each. */
  static start(o: StartOptions): Promise<GuestpackClient>;
  /** The packager version. */
  version: string;
  /** Number of workers sharing each build. */
  readonly workers: number;
  specs(): Promise<ShippedSpecs>;
  makeSpec(drivers: Input, options?: Options): Promise<MadeSpec>;
  validate(drivers: Input, options?: Options, more?: { guestTools?: Input; signal?: AbortSignal }): Promise<Report>;
  /**
   * Validates, then (when accepted) reads, hashes and plans every file, shared among the
   * workers. `onProgress(bytesRead, bytesTotal)` follows the reading. A build asked for while
   * another runs supersedes it (the earlier one rejects with an AbortError).
   */
  build(
    drivers: Input,
    options?: Options,
    more?: { guestTools?: Input; signal?: AbortSignal; onProgress?: (done: number, total: number) => void },
  ): Promise<BuildResult>;
  verify(media: Input, more?: { manifestText?: string; signal?: AbortSignal; options?: Options }): Promise<VerifyResult>;
  openOutput(key: OutputKey, o?: { chunk?: number }): OrderedReader;
  /** The next chunk as Uint8Arrays and Blobs (slices of the input or of kept bytes; up to `max`
   * bytes in all, default 1 MiB), or undefined when complete. */
  nextParts(key: OutputKey, max?: number, signal?: AbortSignal): Promise<Array<Uint8Array | Blob> | undefined>;
  /** The next chunk (up to `max` bytes, default 1 MiB) of an output, or undefined when complete. */
  nextChunk(key: OutputKey, max?: number, signal?: AbortSignal): Promise<Uint8Array | undefined>;
  /** Copies one output into a WritableStream; resolves to the bytes written. With `blobs: true`
   * the stream also gets Blob parts as they come (a FileSystemWritableFileStream takes them). */
  pump(
    key: OutputKey,
    writable: WritableStream<Uint8Array> | WritableStream<Uint8Array | Blob>,
    o?: { chunk?: number; signal?: AbortSignal; onProgress?: (written: number) => void; blobs?: boolean; batch?: number },
  ): Promise<number>;
  /** Collects one output into a Blob. */
  toBlob(key: OutputKey, o?: { chunk?: number; signal?: AbortSignal; type?: string }): Promise<Blob>;
  stats(): Promise<Stats>;
  /** Restarts one output of the current build from its first byte. */
  rewind(key: OutputKey): Promise<null>;
  /** Drops the current build and its streams (soft cancel between chunks). */
  cancel(): Promise<null>;
  /** Hard stop: terminates the workers, even inside a long wasm call. */
  abort(): void;
  terminate(): void;
}
