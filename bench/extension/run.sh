#!/usr/bin/env bash
# Page → extension → host → page round trips for `hello` and `list_certificates` in
# headless Chromium (Debian's), with the real extension, the release certrenew-host and a
# SoftHSM token with 20 certificates; the host alone (bench/run.sh's method: hyperfine,
# whole processes) is measured in the same run as the reference.
#
#   bash bench/extension/run.sh
#
# Writes bench/results/<date>-extension[-N].json (every sample, in ms) and .txt (the
# summary). Environment: BENCH_RUNS (default 100), BENCH_WARMUP (default 5),
# BENCH_CERTS (default 20). Needs node ≥ 20, chromium, softhsm2, opensc, openssl,
# hyperfine, cargo; playwright-core comes from tests/node_modules (npm ci if missing).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
say() { printf '== %s\n' "$*" >&2; }
die() { printf 'bench/extension/run.sh: %s\n' "$*" >&2; exit 1; }

for tool in node hyperfine softhsm2-util pkcs11-tool openssl cargo; do
    command -v "$tool" >/dev/null || die "$tool not found (bench/run.sh installs hyperfine, softhsm2, opensc, openssl with apt)"
done
[ -x "${CERTRENEW_CHROMIUM:-/usr/bin/chromium}" ] || die "no Chromium at ${CERTRENEW_CHROMIUM:-/usr/bin/chromium} (apt-get install chromium)"

if [ ! -d "$REPO/tests/node_modules/playwright-core" ]; then
    say "cd tests && npm ci"
    (cd "$REPO/tests" && npm ci --no-audit --no-fund >&2)
fi

say "cargo build --release -p native-host"
(cd "$REPO" && cargo build --release --quiet -p native-host)
TARGET_DIR=$(cd "$REPO" && cargo metadata --format-version 1 --no-deps |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')
HOST=$TARGET_DIR/release/certrenew-host
[ -x "$HOST" ] || die "no binary at $HOST"

mkdir -p "$REPO/bench/results"
STEM=$REPO/bench/results/$(date -u +%F)-extension
OUT=$STEM
n=1
while [ -e "$OUT.json" ]; do
    n=$((n + 1))
    OUT=$STEM-$n
done

node "$REPO/bench/extension/bench.mjs" --host "$HOST" --out "$OUT" \
    --runs "${BENCH_RUNS:-100}" --warmup "${BENCH_WARMUP:-5}" --certificates "${BENCH_CERTS:-20}"
