#!/usr/bin/env bash
# Installs what guestpack's page or its tests need, skipping what is already there.
#
#   bash scripts/setup.sh page    the wasm32 target and wasm-bindgen-cli: enough to build the page
#   bash scripts/setup.sh         everything the tests need (npm test runs this first)
#
# Building media with the CLI needs neither: only Rust (`cargo run --release -- --sample`).
# Idempotent: safe on a fresh machine and on a warm one. Needs Rust (rustup), Node ≥ 18,
# Python 3 and Debian's apt; everything else comes from the package registries. Each step says
# what it installs, why, and how long it usually takes (2-core machine); a failed step says
# what to install by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-tests}
case "$mode" in page | tests) ;; *) echo "usage: bash scripts/setup.sh [page|tests]" >&2; exit 2 ;; esac

step_hint=""
# step WHAT WHY TIME HINT: announces a step; HINT is printed if the step fails.
step() {
  echo "setup: installing $1 ($2; usually $3)"
  step_hint=$4
}
trap 'status=$?; [ -n "$step_hint" ] && echo "setup: that step failed; install it by hand: $step_hint" >&2; exit $status' ERR

command -v cargo >/dev/null 2>&1 || { echo "setup: cargo not found: install Rust with rustup (https://rustup.rs)" >&2; exit 1; }
command -v node >/dev/null 2>&1 || { echo "setup: node not found: install Node 18 or later" >&2; exit 1; }

# The wasm build: the wasm32 target and wasm-bindgen-cli at exactly the version of the
# wasm-bindgen crate pinned in Cargo.toml.
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  step "the wasm32-unknown-unknown target" "the core compiled to WebAssembly for the page" "under a minute" \
    "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
WASM_BINDGEN_VERSION=0.2.130
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  step "wasm-bindgen-cli $WASM_BINDGEN_VERSION" "the JavaScript glue of the page's WebAssembly" "3 minutes (compiled from source)" \
    "cargo install wasm-bindgen-cli --version $WASM_BINDGEN_VERSION"
  # No --locked: the registry lacks one dependency version pinned in its lockfile.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi
# wasm-pack builds the module and runs the wasm test suites; it finds the wasm-bindgen-cli
# above on PATH (same version as the crate), so it downloads nothing itself.
WASM_PACK_VERSION=0.15.1
if [ "$(wasm-pack --version 2>/dev/null | awk '{print $2}')" != "$WASM_PACK_VERSION" ]; then
  step "wasm-pack $WASM_PACK_VERSION" "builds the WebAssembly module and runs its tests" "4 minutes (compiled from source)" \
    "cargo install wasm-pack --version $WASM_PACK_VERSION"
  cargo install wasm-pack --version "$WASM_PACK_VERSION"
fi
if [ "$mode" = page ]; then
  step_hint=""
  echo "setup: ok (page)"
  exit 0
fi

# Independent media readers for the tests, the browsers for the wasm and page tests, Wine with
# a MinGW compiler for running the guest scripts (tests/guest/), openssl and osslsigncode (an
# independent check of the catalogs the project signs).
need_apt=()
for pair in xorriso:xorriso isoinfo:genisoimage isovfy:genisoimage 7z:p7zip-full bsdtar:libarchive-tools \
            unzip:unzip zip:zip openssl:openssl osslsigncode:osslsigncode blkid:util-linux python3:python3 /usr/bin/time:time \
            chromium:chromium chromedriver:chromium-driver firefox-esr:firefox-esr \
            wine:wine /usr/lib/wine/wine64:wine64 x86_64-w64-mingw32-gcc:gcc-mingw-w64-x86-64; do
  cmd=${pair%%:*} pkg=${pair##*:}
  command -v "$cmd" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  # Unique names, in order (genisoimage provides two commands).
  mapfile -t need_apt < <(printf '%s\n' "${need_apt[@]}" | awk '!seen[$0]++')
  step "Debian packages: ${need_apt[*]}" "ISO/zip readers, browsers, Wine and MinGW for the tests" "3 to 4 minutes" \
    "sudo apt-get install ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! python3 -c 'import pycdlib, jsonschema' 2>/dev/null; then
  step "Python packages: pycdlib jsonschema" "an independent ISO reader and JSON Schema checks in the tests" "seconds" \
    "python3 -m pip install pycdlib jsonschema"
  python3 -m pip install -q pycdlib jsonschema
fi

# Page tests drive Chromium through playwright-core (no browser download; Debian's chromium);
# typescript type-checks the npm package's declarations.
if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/typescript ]; then
  step "npm packages (npm ci)" "playwright-core drives Debian's Chromium in the page tests; typescript checks the package's types" "seconds" \
    "npm ci"
  npm ci --no-audit --no-fund
fi
# The fuzz smoke run (scripts/fuzz.sh): cargo-fuzz from crates.io, used with the stable
# toolchain through RUSTC_BOOTSTRAP=1 (no nightly is needed or fetched).
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  step "cargo-fuzz" "the short fuzzing run in npm test" "2 minutes (compiled from source)" \
    "cargo install cargo-fuzz --locked"
  cargo install cargo-fuzz --locked
fi
# The wasm suites in Firefox (wasm-pack test --firefox): Debian has no geckodriver; crates.io does.
GECKODRIVER_VERSION=0.37.1
if [ "$(geckodriver --version 2>/dev/null | awk 'NR==1 {print $2}')" != "$GECKODRIVER_VERSION" ]; then
  step "geckodriver $GECKODRIVER_VERSION" "drives Firefox ESR for the wasm test suites" "3 minutes (compiled from source)" \
    "cargo install geckodriver --version $GECKODRIVER_VERSION"
  cargo install geckodriver --version "$GECKODRIVER_VERSION"
fi
step_hint=""
echo "setup: ok"
