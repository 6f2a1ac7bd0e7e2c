// Run inside the scratch project that installed the packed `guestpack` tarball: validates each
// ISO given (virtio-win-shaped, with guest-agent/) against the spec given, through the installed
// package in Node, and builds the accepted ones; prints per ISO the report's tools, its TOOL
// findings and the built manifest's tools as JSON, for the test to check.
// Usage: node tools.mjs SPEC.json ISO...
import init, { Bundle, build, validate } from 'guestpack';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

await init({ module_or_path: await readFile(new URL(import.meta.resolve('guestpack/guestpack_bg.wasm'))) });
const [spec, ...isos] = process.argv.slice(2);
const options = { spec: basename(spec), specText: await readFile(spec, 'utf8'), signingPolicy: 'none' };
const out = {};
for (const iso of isos) {
  const drivers = Bundle.fromBytes(await readFile(iso), basename(iso), options);
  const report = validate(drivers, options);
  const one = {
    accepted: report.accepted,
    tools: report.tools,
    findings: report.findings.filter((f) => f.code.startsWith('TOOL')).map((f) => `${f.severity} ${f.code} ${f.path}: ${f.message}`),
  };
  if (report.accepted) {
    const media = build(drivers, options);
    const stream = media.manifest();
    const parts = [];
    for (let c; (c = stream.nextChunk(1 << 16)) !== undefined;) parts.push(Buffer.from(c));
    one.manifestTools = JSON.parse(Buffer.concat(parts).toString('utf8')).tools;
    stream.free();
    media.free();
  }
  drivers.free();
  out[basename(iso)] = one;
}
console.log(JSON.stringify(out));
