#!/usr/bin/env bash
# Runs every fuzz target in fuzz/ for a time budget each, then prints
# "fuzz-smoke: N passed, N failed" (a target fails when libFuzzer reports a crash, a failed
# assertion, a timeout or running out of memory).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     default: 10 seconds, every target
#   scripts/fuzz.sh --parallel SECONDS [TARGET...]       all targets at once (the long runs of
#                                                        docs/fuzzing.md), at nice 19
#
# cargo-fuzz passes `-Z` flags to rustc, which a stable toolchain accepts only with
# RUSTC_BOOTSTRAP=1; that is set here so the machine's one (stable) toolchain is enough.
# Targets are built without a sanitizer (`-s none`: the crate has no unsafe code, and this
# roughly triples the executions per second) but with debug assertions, so integer overflow
# panics. Seed inputs are generated into fuzz/corpus/<target>/ (not committed) on first use;
# crashing inputs are left in fuzz/artifacts/<target>/.
set -uo pipefail
cd "$(dirname "$0")/.."

parallel=0
if [ "${1:-}" = --parallel ]; then parallel=1; shift; fi
secs=${1:-10}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(zip_read iso_read inf_parse spec_compile roundtrip installer_read)
fi
export RUSTC_BOOTSTRAP=1

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "fuzz: cargo-fuzz is not installed (bash scripts/setup.sh installs it)" >&2
  echo "fuzz-smoke: 0 passed, ${#targets[@]} failed"
  exit 1
fi

# Seeds: small valid inputs of each kind, made here rather than committed.
seed() {
  local c=fuzz/corpus
  mkdir -p "$c"/{zip_read,iso_read,inf_parse,spec_compile,roundtrip,installer_read}
  if [ -z "$(ls -A "$c/zip_read")" ]; then
    python3 - "$c/zip_read" <<'EOF'
import sys, zipfile, os
d = sys.argv[1]
def mk(name, entries, method=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(os.path.join(d, name), "w", method) as z:
        for n, b in entries:
            z.writestr(n, b)
mk("deflated.zip", [("amd64/viostor/viostor.inf", b"[Version]\r\nSignature=\"$WINDOWS NT$\"\r\n" * 8),
                    ("amd64/viostor/viostor.sys", bytes(range(256)) * 2), ("x86/", b"")])
mk("stored.zip", [("a.txt", b"hello"), ("d/\u00fcn\u00ef.txt", b"x")], zipfile.ZIP_STORED)
mk("empty.zip", [])
EOF
    cp tests/hostile/*.zip "$c/zip_read/" 2>/dev/null || true
  fi
  if [ -z "$(ls -A "$c/iso_read")" ]; then
    local t; t=$(mktemp -d)
    mkdir -p "$t/src/sub"; echo hello > "$t/src/a.txt"; echo x > "$t/src/sub/b.inf"
    xorriso -as mkisofs -quiet -J -o "$t/x.iso" "$t/src" 2>/dev/null \
      && tail -c +32769 "$t/x.iso" > "$c/iso_read/xorriso-joliet"
    xorriso -as mkisofs -quiet -o "$t/p.iso" "$t/src" 2>/dev/null \
      && tail -c +32769 "$t/p.iso" > "$c/iso_read/xorriso-primary"
    rm -rf "$t"
  fi
  if [ -z "$(ls -A "$c/inf_parse")" ]; then
    printf '[Version]\r\nSignature="$WINDOWS NT$"\r\nClass=SCSIAdapter\r\nCatalogFile=x.cat\r\nDriverVer=01/01/2020,1.0\r\n[SourceDisksFiles]\r\nx.sys=1,,\r\n[Manufacturer]\r\n%%M%%=M,NTamd64\r\n[M.NTamd64]\r\n%%D%%=Inst,PCI\\VEN_1AF4&DEV_1042\r\n[Inst]\r\nCopyFiles=Files\r\n[Files]\r\nx.sys\r\n[Inst.Services]\r\nAddService=x,2,Svc\r\n[Svc]\r\nServiceBinary=%%12%%\\x.sys\r\n[Strings]\r\nM="Maker" ; comment\r\nD="Dev"\r\n' > "$c/inf_parse/basic.inf"
    iconv -f UTF-8 -t UTF-16 "$c/inf_parse/basic.inf" > "$c/inf_parse/utf16.inf" 2>/dev/null || true
  fi
  if [ -z "$(ls -A "$c/spec_compile")" ]; then
    for f in specs/win7-virtio-win.json specs/win7-virtio-full.json specs/virtio-win-8.1.json; do
      # The first byte picks the raw-bytes variant of the target's input.
      { printf '\0'; cat "$f"; } > "$c/spec_compile/$(basename "$f")"
    done
  fi
  if [ -z "$(ls -A "$c/installer_read")" ]; then
    # Real MSI databases and PE headers (examples/tool_fixtures.rs).
    cargo run --release --quiet --example tool_fixtures -- "$c/installer_read"
  fi
}
seed

echo "fuzz: building targets (release, debug assertions, no sanitizer)"
build_log=$(mktemp)
if ! nice cargo fuzz build -s none -a >/dev/null 2>"$build_log"; then
  tail -30 "$build_log" >&2
  rm -f "$build_log"
  echo "fuzz-smoke: 0 passed, ${#targets[@]} failed"
  exit 1
fi
rm -f "$build_log"

# run TARGET LOG: one libFuzzer run of the time budget.
run() {
  local t=$1 max_len=4096
  [ "$t" = iso_read ] && max_len=131072
  [ "$t" = installer_read ] && max_len=32768
  # -rss_limit_mb: a run that needs more memory than this is a failure (unbounded memory).
  nice -n "$2" cargo fuzz run -s none -a "$t" -- -max_total_time="$secs" -max_len="$max_len" \
    -rss_limit_mb=1024 -timeout=20 -print_final_stats=1
}

# report TARGET LOG STATUS: one line with the run's figures, or the failure.
report() {
  local t=$1 log=$2 status=$3
  if [ "$status" -eq 0 ]; then
    passed=$((passed + 1))
    stat() { grep -Eo "stat::$1: *[0-9]+" "$log" | grep -Eo '[0-9]+$' | tail -1; }
    echo "fuzz: $t ok ($(stat number_of_executed_units) executions in ${secs}s, peak RSS $(stat peak_rss_mb) MB)"
  else
    failed=$((failed + 1))
    echo "fuzz: $t FAILED; last lines:" >&2
    grep -v '^#' "$log" | tail -40 >&2
  fi
}

passed=0 failed=0
if [ "$parallel" -eq 1 ]; then
  declare -A pids logs
  for t in "${targets[@]}"; do
    logs[$t]=$(mktemp)
    run "$t" 19 >"${logs[$t]}" 2>&1 &
    pids[$t]=$!
  done
  for t in "${targets[@]}"; do
    wait "${pids[$t]}"
    report "$t" "${logs[$t]}" $?
    rm -f "${logs[$t]}"
  done
else
  for t in "${targets[@]}"; do
    log=$(mktemp)
    run "$t" 10 >"$log" 2>&1
    report "$t" "$log" $?
    rm -f "$log"
  done
fi
echo "fuzz-smoke: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
