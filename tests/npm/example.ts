// Type-checked with `tsc --strict` against the installed package: every part of the API, as a
// user's code would call it. Not run (the worker part needs a browser); tests/npm/sample.mjs
// runs the Node part.
import init, {
  Bundle, Job, Media, OutputStream, build, buildWith, constants, makeSpec, prepare, sampleBundle,
  shippedSpecDetails, shippedSpecs, validate, validateWith, verify, version,
} from 'guestpack';
import type { Arch, Coverage, Finding, Options, Report, ToolRow, VerifyResult } from 'guestpack';
import { GuestpackClient } from 'guestpack/client';
import type { BuildResult, OutputInfo } from 'guestpack/client';

export async function node(wasm: Uint8Array, iso: Uint8Array): Promise<string[]> {
  await init({ module_or_path: wasm });
  const lines: string[] = [version(), ...shippedSpecs()];
  const options: Options = {
    spec: constants().defaultSpec, os: ['w10', '2k22'], targetOs: ['w10'], signingPolicy: 'production',
    zipLevel: 9, sourceDateEpoch: 0, maxFileSize: '512M', maxEntries: 10000, restoreCrlf: true,
  };
  const drivers: Bundle = Bundle.fromBytes(iso, 'virtio-win.iso', options);
  const report: Report = validate(drivers, options);
  const errors: Finding[] = report.findings.filter((f) => f.severity === 'error');
  for (const f of errors) lines.push(`${f.path ?? ''}:${f.line ?? 0}: ${f.code} ${f.message} ${f.help ?? ''}`);
  if (f0(report).choice) lines.push(...f0(report).choice!.values);
  const coverage: Coverage = report.coverage;
  const arches: Arch[] = coverage.columns.map((c) => c.arch);
  lines.push(arches.join(','), ...coverage.rows.map((r) => `${r.driver}: ${r.cells.join(' ')}`));
  for (const p of report.packages) lines.push(`${p.os ?? ''}/${p.arch}/${p.driver} ${p.state} ${p.catalogs.map((c) => c.signer?.kind ?? 'none').join()}`);
  lines.push(...report.layout.osFolders.map((f) => `${f.name} ${f.ntVersion}`));
  const toolRows: ToolRow[] = report.tools;
  for (const t of toolRows) lines.push(`${t.name} ${t.state} ${t.source ?? '-'} ${t.installers.map((i) => `${i.arch}:${i.productCode ?? i.kind}`).join(' ')}`);
  const made = makeSpec(drivers, { os: 'w10' });
  if (made.spec !== null) lines.push(made.spec);
  lines.push(...shippedSpecDetails().specs.map((s) => s.title ?? s.name));
  const media: Media = build(drivers, options);
  if (media.accepted) {
    const streams: OutputStream[] = [media.iso(), media.zip(), media.manifest()];
    for (const s of streams) {
      let total = 0;
      for (let c: Uint8Array | undefined; (c = s.nextChunk(1 << 20)) !== undefined;) total += c.length;
      lines.push(`${s.name} ${total} of ${s.len()} at ${s.position()} ${s.isDone()}`);
      s.free();
    }
    lines.push(media.manifestText(), String(media.pieces('zip', 2).length), media.range('iso', 0, 2048).name);
  }
  media.free();
  const job: Job = prepare(sampleBundle(), {});
  if (job.accepted) {
    const records = job.digest(Uint32Array.from([0]), (bytes: number) => lines.push(String(bytes)));
    const planned: Media = job.plan(records, new Uint8Array(job.fileCount()).fill(constants().noOwner));
    lines.push(String(planned.fileCount()), job.fingerprint(), job.digestKey(), String(job.sizes()[0]), String(job.kept().length));
  }
  const tools = Bundle.embeddedGuestTools();
  lines.push(String(validateWith(drivers, tools, undefined).accepted), String(buildWith(drivers, tools, {}).accepted));
  const check: VerifyResult = verify(Bundle.fromBytes(iso, 'media.iso', undefined), null);
  lines.push(`${check.ok} ${check.listed} ${check.matched}`, ...check.changed.map((c) => `${c.path} ${c.actualSha256 ?? c.error}`));
  lines.push(drivers.name, String(drivers.fileCount()), ...drivers.paths());
  drivers.free();
  return lines;
}

function f0(r: Report): Finding {
  return r.findings[0];
}

export async function page(file: File, writable: WritableStream<Uint8Array>): Promise<OutputInfo[]> {
  const gp = await GuestpackClient.start({ workerUrl: 'guestpack-worker.js', wasmUrl: 'guestpack_bg.wasm', workers: 2 });
  const specs = await gp.specs();
  const report: Report = await gp.validate(file, { spec: specs.defaultSpec, os: 'w10' });
  const abort = new AbortController();
  const out: BuildResult = await gp.build(file, { version: '1.2.3' }, { signal: abort.signal, onProgress: (done, total) => void (done / total) });
  if (out.accepted && report.accepted) {
    for (const o of out.outputs) await gp.pump(o.key, writable, { onProgress: (n) => void n });
    const blob: Blob = await gp.toBlob('manifest');
    void blob.size;
  }
  const check = await gp.verify(file, { manifestText: out.manifest });
  const stats = await gp.stats();
  void [check.ok, stats.wasmMemoryBytes, gp.workers];
  await gp.cancel();
  gp.terminate();
  return out.outputs;
}
