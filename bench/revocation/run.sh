#!/usr/bin/env bash
# CRL generation at scale (issue 15): the release server's `admin revoke` (process start,
# CA load, the revocation and its audit row, reading every revocation, signing the full
# CRL, storing it) against a SQLite database already holding N revoked serials.
# N = 1,000,000 is the figure; N = 10,000 is the reference measured in the same run.
# Also prints SQLite's plan for the OCSP status lookups (they must use an index).
# Usage: bash bench/revocation/run.sh   (BENCH_RUNS=5, BENCH_SIZES="10000 1000000", BENCH_BIN)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RUNS="${BENCH_RUNS:-5}"
SIZES="${BENCH_SIZES:-10000 1000000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"

command -v sqlite3 >/dev/null || { echo "needs sqlite3 (apt-get install sqlite3)" >&2; exit 1; }
# BENCH_BIN: a server binary already built (skips the build).
BIN="${BENCH_BIN:-$CARGO_TARGET_DIR/release/certrenew-server}"
if [ -z "${BENCH_BIN:-}" ]; then
    echo "cargo build --release -p server"
    (cd "$REPO" && cargo build --release --quiet --locked -p server)
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
RESULTS="$REPO/bench/results/$(date -u +%F)-revocation.txt"
mkdir -p "$(dirname "$RESULTS")"
{
    echo "# CRL generation, $(date -u +%FT%TZ), $(nproc) cores, $(uname -sr)"
    echo "# runs per size: $RUNS; time = wall clock of one 'admin revoke' (median, min, max)"
} > "$RESULTS"

# A random positive 16-byte serial, as the CA writes them.
serial() { printf '1%s' "$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' | cut -c2-32)"; }

for n in $SIZES; do
    dir="$WORK/$n"
    mkdir -p "$dir"
    export CERTRENEW_DATA_DIR="$dir/data" DATABASE_URL="sqlite://$dir/db.sqlite?mode=rwc"
    export CERTRENEW_PUBLIC_ORIGIN="http://127.0.0.1:9" RUST_LOG=warn
    unset CERTRENEW_CONFIG
    "$BIN" migrate >/dev/null
    # N revocations, each a random 16-byte serial (leading nibble 1: positive, full length).
    sqlite3 "$dir/db.sqlite" "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $n)
        INSERT INTO revocations (serial, revoked_at, reason)
        SELECT '1' || substr(lower(hex(randomblob(16))), 2), 1767225600000 + i, 'keyCompromise' FROM c;"
    # Warm-up (not timed): the first start creates the development CA and the first CRL.
    "$BIN" admin revoke --serial "$(serial)" --reason superseded >/dev/null
    times=()
    for _ in $(seq "$RUNS"); do
        start=$(date +%s%N)
        "$BIN" admin revoke --serial "$(serial)" --reason superseded >/dev/null
        end=$(date +%s%N)
        times+=($(( (end - start) / 1000000 )))
    done
    read -r entries bytes number < <(sqlite3 -separator ' ' "$dir/db.sqlite" \
        "SELECT entries, length(der), crl_number FROM crls")
    sorted=$(printf '%s\n' "${times[@]}" | sort -n)
    median=$(echo "$sorted" | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}')
    line="entries=$entries crl_bytes=$bytes crl_number=$number median_ms=$median min_ms=$(echo "$sorted" | head -1) max_ms=$(echo "$sorted" | tail -1) runs_ms=${times[*]}"
    echo "$line" | tee -a "$RESULTS"
done

# The OCSP responder's lookups by serial: index searches, not scans.
{
    echo "# query plans (SQLite) for the OCSP status lookups"
    sqlite3 "$dir/db.sqlite" "EXPLAIN QUERY PLAN SELECT serial, revoked_at, reason FROM revocations WHERE serial = 'ab'"
    sqlite3 "$dir/db.sqlite" "EXPLAIN QUERY PLAN SELECT serial FROM certificates WHERE serial = 'ab'"
} | tee -a "$RESULTS"
echo "written: $RESULTS"
