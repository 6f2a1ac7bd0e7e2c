#!/usr/bin/env bash
# Fails if a wasm module imports anything from the `env` module. Such imports mean a native
# symbol leaked into the build (a C library, a libc call): browsers cannot satisfy them and
# the module would fail to instantiate. Usage: check-wasm-imports.sh FILE.wasm...
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 FILE.wasm..." >&2; exit 2; }
node - "$@" <<'JS'
const fs = require('fs');
let bad = 0;
for (const file of process.argv.slice(2)) {
  const mod = new WebAssembly.Module(fs.readFileSync(file));
  const imports = WebAssembly.Module.imports(mod);
  const env = imports.filter((i) => i.module === 'env');
  for (const i of env) console.error(`${file}: imports env.${i.name} (${i.kind})`);
  const modules = [...new Set(imports.map((i) => i.module))].join(', ') || 'none';
  console.log(`check-wasm-imports: ${file}: ${imports.length} imports from ${modules}`);
  bad += env.length;
}
if (bad) { console.error(`check-wasm-imports: ${bad} import(s) from "env"`); process.exit(1); }
JS
