#!/usr/bin/env bash
# Zips the real driver set kept beside the project (../shared/data/virtio-win-8.1/drivers)
# into a bundle for the parity tests and the wasm benchmark, as a user would drop it: inside
# one wrapper folder. Written under the target directory, never into the source tree.
# Prints the path of the zip. Usage: make-virtio-bundle.sh [OUT.zip]
set -euo pipefail
cd "$(dirname "$0")/.."
src=../shared/data/virtio-win-8.1/drivers
out=${1:-${CARGO_TARGET_DIR:-target}/virtio-win-8.1-drivers.zip}
[ -d "$src" ] || { echo "make-virtio-bundle: $src not found" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
python3 - "$src" "$out" <<'PY'
import os, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
tmp = out + ".tmp"
# Fixed order and timestamps: the same data always gives the same zip.
with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
    for root, dirs, files in os.walk(src):
        dirs.sort()
        for f in sorted(files):
            full = os.path.join(root, f)
            rel = os.path.relpath(full, src).replace(os.sep, "/")
            info = zipfile.ZipInfo("virtio-win-8.1/" + rel, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16
            with open(full, "rb") as fh:
                z.writestr(info, fh.read())
os.replace(tmp, out)
PY
realpath "$out"
