#!/usr/bin/env bash
# Installs what building and testing guestpack needs, skipping what is already there.
# Idempotent: safe to run on a fresh machine and on a warm one.
set -euo pipefail

need_apt=()
for pair in xorriso:xorriso isoinfo:genisoimage isovfy:genisoimage 7z:p7zip-full bsdtar:libarchive-tools \
            unzip:unzip zip:zip blkid:util-linux python3:python3; do
  cmd=${pair%%:*} pkg=${pair##*:}
  command -v "$cmd" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

python3 -c 'import pycdlib, jsonschema' 2>/dev/null || {
  echo "setup: installing Python packages: pycdlib jsonschema"
  python3 -m pip install -q pycdlib jsonschema
}

command -v cargo >/dev/null 2>&1 || { echo "setup: cargo not found: install Rust from rustup first" >&2; exit 1; }
echo "setup: ok"
