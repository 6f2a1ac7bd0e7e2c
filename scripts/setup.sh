#!/usr/bin/env bash
# Installs what building and testing guestpack needs, skipping what is already there.
# Idempotent: safe to run on a fresh machine and on a warm one. Needs Rust (rustup), Node ≥ 18,
# Python 3 and Debian's apt; everything else comes from the package registries.
set -euo pipefail
cd "$(dirname "$0")/.."

# Independent media readers for the tests, the browsers for the wasm and page tests, and Wine
# with a MinGW compiler for running the guest scripts (tests/guest/).
need_apt=()
for pair in xorriso:xorriso isoinfo:genisoimage isovfy:genisoimage 7z:p7zip-full bsdtar:libarchive-tools \
            unzip:unzip zip:zip openssl:openssl blkid:util-linux python3:python3 /usr/bin/time:time \
            chromium:chromium chromedriver:chromium-driver firefox-esr:firefox-esr \
            wine:wine /usr/lib/wine/wine64:wine64 x86_64-w64-mingw32-gcc:gcc-mingw-w64-x86-64; do
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
command -v node >/dev/null 2>&1 || { echo "setup: node not found: install Node 18 or later" >&2; exit 1; }

# The wasm build: the wasm32 target and wasm-bindgen-cli at exactly the version of the
# wasm-bindgen crate pinned in Cargo.toml.
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  echo "setup: adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
WASM_BINDGEN_VERSION=0.2.130
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  echo "setup: installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (takes a few minutes)"
  # No --locked: the registry lacks one dependency version pinned in its lockfile.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# Page tests drive Chromium through playwright-core (no browser download; Debian's chromium).
if [ ! -d node_modules/playwright-core ]; then
  echo "setup: installing npm packages (npm ci)"
  npm ci --no-audit --no-fund
fi
# The fuzz smoke run (scripts/fuzz.sh): cargo-fuzz from crates.io, used with the stable
# toolchain through RUSTC_BOOTSTRAP=1 (no nightly is needed or fetched).
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "setup: installing cargo-fuzz (takes a few minutes)"
  cargo install cargo-fuzz --locked
fi
echo "setup: ok"
