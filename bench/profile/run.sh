#!/usr/bin/env bash
# Profiles the release certrenew-server (SQLite) with `perf record` while the load
# generator drives whole renewals, then folds the stacks (bench/profile/fold.py):
# bench/results/<date>-server-profile.{txt,folded.gz,svg}. See bench/README.md, "Server".
#
#   bash bench/profile/run.sh
#
# Environment: BENCH_SERVER_BIN (a built certrenew-server; default: build it as
# bench/server.sh does), PROFILE_FULL (renewals, default 1000), PROFILE_HZ (299),
# PROFILE_SEQUENTIAL=N (instead: the load generator's profile phase, N renewals one
# request at a time, as bench/server.sh's per-request costs are measured),
# PROFILE_GATEWAY (process, the default: the Alipay emulator in a certrenew-server of
# its own, as bench/server.sh runs it, so the profile is the CA's work only; server:
# inside the profiled server, as before 2026-12-05).
# Needs perf (Debian: linux-perf); kernel.perf_event_paranoid must allow
# recording one's own processes (<= 2). Call stacks come from DWARF unwinding
# (`--call-graph dwarf`): the release profile keeps its unwind tables and symbols.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH=$REPO/bench
FULL=${PROFILE_FULL:-1000}
HZ=${PROFILE_HZ:-299}
say() { printf '== %s\n' "$*" >&2; }
die() { printf 'bench/profile/run.sh: %s\n' "$*" >&2; exit 1; }

command -v perf >/dev/null || die "perf not found (apt-get install linux-perf)"
# shellcheck source=../lib/build.sh
source "$BENCH/lib/build.sh"
bench_build
# shellcheck source=../lib/wait_up.sh
source "$BENCH/lib/wait_up.sh"
# shellcheck source=../lib/gateway.sh
source "$BENCH/lib/gateway.sh"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/certrenew-profile.XXXXXX")
SERVER_PID=
PERF_PID=
GATEWAY_PID=
cleanup() {
    [ -z "$PERF_PID" ] || kill -INT "$PERF_PID" 2>/dev/null || true
    [ -z "$SERVER_PID" ] || kill -TERM "$SERVER_PID" 2>/dev/null || true
    [ -z "$GATEWAY_PID" ] || kill -TERM "$GATEWAY_PID" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PAYMENTS_CONFIG=
GATEWAY_ARGS=()
case ${PROFILE_GATEWAY:-process} in
    process)
        bench_gateway "$WORK/gateway" "$WORK/sandbox-keys"
        GATEWAY_ARGS=(--gateway-addr "$GATEWAY_ADDR")
        ;;
    server) ;;
    *) die "PROFILE_GATEWAY: process or server, not $PROFILE_GATEWAY" ;;
esac
# Call in a subshell or in the background: it execs (so $! is the server).
run_server() {
    exec env -u DATABASE_URL -u CERTRENEW_CONFIG -u CERTRENEW_DIST_DIR -u CERTRENEW_PAYMENTS_CONFIG \
        ${PAYMENTS_CONFIG:+CERTRENEW_PAYMENTS_CONFIG="$PAYMENTS_CONFIG"} \
        CERTRENEW_SANDBOX_KEY_DIR="$WORK/sandbox-keys" \
        CERTRENEW_LISTEN="127.0.0.1:$PORT" CERTRENEW_DATA_DIR="$WORK/data" \
        CERTRENEW_PUBLIC_ORIGIN="http://127.0.0.1:$PORT" CERTRENEW_SANDBOX=1 \
        CERTRENEW_TRUSTED_PROXIES=127.0.0.1 RUST_LOG=warn "$SERVER" "$@"
}
run_server serve >"$WORK/server.out" 2>"$WORK/server.log" &
SERVER_PID=$!
wait_up "http://127.0.0.1:$PORT" "$SERVER_PID" "$WORK/server.log"
(run_server admin add --user bench.reviewer --password 'bench reviewer password' --role reviewer) \
    >/dev/null 2>"$WORK/admin.log" || { cat "$WORK/admin.log" >&2; die "admin add failed"; }

if [ -n "${PROFILE_SEQUENTIAL:-}" ]; then
    PHASE=(--profile "$PROFILE_SEQUENTIAL" --full 0)
    say "perf record -F $HZ --call-graph dwarf on the server, $PROFILE_SEQUENTIAL renewals one request at a time"
else
    PHASE=(--profile 0 --full "$FULL" --full-secs 30)
    say "perf record -F $HZ --call-graph dwarf on the server, $FULL whole renewals"
fi
perf record -F "$HZ" --call-graph dwarf,16384 -p "$SERVER_PID" -o "$WORK/perf.data" >"$WORK/perf.log" 2>&1 &
PERF_PID=$!
CLK_TCK=$(getconf CLK_TCK) "$GEN" --addr "127.0.0.1:$PORT" --data-dir "$WORK/data" \
    --server-pid "$SERVER_PID" --reviewer bench.reviewer --password 'bench reviewer password' \
    "${PHASE[@]}" --floor-secs 0 --read-secs 0 --issue 0 ${GATEWAY_ARGS[@]+"${GATEWAY_ARGS[@]}"} \
    --out "$WORK/bench.json"
kill -INT "$PERF_PID"
wait "$PERF_PID" || true
PERF_PID=

mkdir -p "$BENCH/results"
STEM=$BENCH/results/$(date -u +%F)-server-profile
n=1
OUT=$STEM
while [ -e "$OUT.txt" ]; do
    n=$((n + 1))
    OUT=$STEM-$n
done
{
    echo "certrenew-server under bench/profile/run.sh, $(date -u '+%F %H:%M') UTC, $(git -C "$REPO" rev-parse --short HEAD)"
    echo "the Alipay emulator: ${PROFILE_GATEWAY:-process} (process: its own, not profiled; server: inside the profiled server)"
    python3 - "$WORK/bench.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
f = d["full"]
if f.get("completed"):
    print(f"{f['completed']} renewals, {f['per_second']}/s under perf, {f['errors']['count']} errors, "
          f"server CPU {f['server_cpu_ms_per_renewal']} ms per renewal (with perf running)")
else:
    p = d["profile"]
    print(f"{p['completed']} renewals one request at a time, server CPU "
          f"{p.get('server_cpu_us_per_renewal')} us per renewal summed (with perf running)")
PY
    perf script -i "$WORK/perf.data" 2>/dev/null | python3 "$BENCH/profile/fold.py" "$OUT"
} | tee "$OUT.txt"
gzip -9f "$OUT.folded"
say "wrote $OUT.txt, $OUT.folded.gz, $OUT.svg"
