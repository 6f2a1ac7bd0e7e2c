// Run inside a scratch project that installed the packed `guestpack` tarball: builds the
// built-in sample with every default through the installed package and prints the SHA-256 of
// the three outputs as JSON, for the test to compare with the golden ones.
import init, { build, sampleBundle, version } from 'guestpack';
import { GuestpackClient } from 'guestpack/client';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

await init({ module_or_path: await readFile(new URL(import.meta.resolve('guestpack/guestpack_bg.wasm'))) });
const drivers = sampleBundle();
const media = build(drivers, {});
const out = { version: version(), accepted: media.accepted, client: typeof GuestpackClient.start };
for (const stream of [media.iso(), media.zip(), media.manifest()]) {
  const hash = createHash('sha256');
  for (let c; (c = stream.nextChunk(1 << 16)) !== undefined;) hash.update(c);
  out[stream.name] = hash.digest('hex');
  stream.free();
}
media.free();
drivers.free();
console.log(JSON.stringify(out));
