// Assembles the npm package `guestpack` in pkg/npm/ from the wasm builds in pkg/web/ (the ES
// module, with its declarations and the hand-written types of src/wasm/types.d.ts) and
// pkg/no-modules/ (the glue the worker loads), plus the worker, the pool client with its
// declarations (web/worker-api/) and the package README (docs/npm-readme.md). Run
// scripts/build-wasm.sh first. `npm pack pkg/npm` then makes the tarball.
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'pkg', 'npm');
const version = /^version = "([^"]+)"/m.exec(readFileSync(join(root, 'Cargo.toml'), 'utf8'))[1];
const top = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

// [from (repository path), to (package path)]
const FILES = [
  ['pkg/web/guestpack.js', 'guestpack.js'],
  ['pkg/web/guestpack.d.ts', 'guestpack.d.ts'],
  ['pkg/web/guestpack_bg.wasm', 'guestpack_bg.wasm'],
  ['pkg/web/guestpack_bg.wasm.d.ts', 'guestpack_bg.wasm.d.ts'],
  ['pkg/no-modules/guestpack.js', 'no-modules/guestpack.js'],
  ['pkg/no-modules/guestpack_bg.wasm', 'no-modules/guestpack_bg.wasm'],
  ['web/worker-api/guestpack-worker.js', 'guestpack-worker.js'],
  // A classic script that also exports through `module.exports`: .cjs, as the package is ESM.
  ['web/worker-api/client.js', 'client.cjs'],
  ['web/worker-api/client.d.ts', 'client.d.ts'],
  ['docs/npm-readme.md', 'README.md'],
];

for (const [from] of FILES) {
  try { statSync(join(root, from)); } catch {
    console.error(`build-npm: ${from} missing; run scripts/build-wasm.sh first`);
    process.exit(1);
  }
}
rmSync(out, { recursive: true, force: true });
for (const [from, to] of FILES) {
  mkdirSync(dirname(join(out, to)), { recursive: true });
  copyFileSync(join(root, from), join(out, to));
}
const pkg = {
  name: 'guestpack',
  version,
  description: top.description,
  license: top.license,
  type: 'module',
  main: './guestpack.js',
  types: './guestpack.d.ts',
  exports: {
    '.': { types: './guestpack.d.ts', default: './guestpack.js' },
    './guestpack_bg.wasm': './guestpack_bg.wasm',
    './client': { types: './client.d.ts', default: './client.cjs' },
    './worker': './guestpack-worker.js',
    './no-modules/guestpack.js': './no-modules/guestpack.js',
    './no-modules/guestpack_bg.wasm': './no-modules/guestpack_bg.wasm',
    './package.json': './package.json',
  },
  files: FILES.map(([, to]) => to).filter((f) => f !== 'README.md'),
  keywords: ['windows', 'drivers', 'iso', 'virtio', 'wasm', 'guest-tools'],
};
writeFileSync(join(out, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
console.log(`build-npm: pkg/npm/ holds guestpack ${version} (${FILES.length} files and package.json)`);
