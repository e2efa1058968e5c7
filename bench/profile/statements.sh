#!/usr/bin/env bash
# Counts the SQL statements a whole renewal costs, per request kind: runs the server
# (SQLite) with RUST_LOG=sqlx::query=debug, takes N renewals through the load
# generator's profile phase (each request kind in turn over all N, one connection,
# `--marks` noting when each kind starts), then splits the statement log by those
# marks (bench/profile/statements.py). See bench/README.md, "Cheap renewals".
#
#   bash bench/profile/statements.sh [N]        # N renewals, default 20
#
# Environment: BENCH_SERVER_BIN (a built certrenew-server; default
# target/release/certrenew-server, built if missing), STATEMENTS_OUT (a file to write
# the report to as well), STATEMENTS_FULL=M (after the profile phase, M whole renewals
# by 32 workers, the load generator's full phase, reported apart: what the statements
# cost on a fuller database and under load), STATEMENTS_KEEP=1 (keep the temporary
# directory: the database, for EXPLAIN QUERY PLAN, and the logs).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH=$REPO/bench
N=${1:-20}
say() { printf '== %s\n' "$*" >&2; }
die() { printf 'bench/profile/statements.sh: %s\n' "$*" >&2; exit 1; }

# shellcheck source=../lib/build.sh
source "$BENCH/lib/build.sh"
bench_build

WORK=$(mktemp -d "${TMPDIR:-/tmp}/certrenew-statements.XXXXXX")
SERVER_PID=
cleanup() {
    [ -z "$SERVER_PID" ] || kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait 2>/dev/null || true
    if [ -n "${STATEMENTS_KEEP:-}" ]; then say "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run_server() {
    exec env -u DATABASE_URL -u CERTRENEW_CONFIG -u CERTRENEW_DIST_DIR \
        CERTRENEW_LISTEN="127.0.0.1:$PORT" CERTRENEW_DATA_DIR="$WORK/data" \
        CERTRENEW_PUBLIC_ORIGIN="http://127.0.0.1:$PORT" CERTRENEW_SANDBOX=1 \
        CERTRENEW_SANDBOX_KEY_DIR="$WORK/sandbox-keys" \
        CERTRENEW_TRUSTED_PROXIES=127.0.0.1 "$@"
}
(RUST_LOG=warn,sqlx::query=debug run_server "$SERVER" serve) >"$WORK/server.out" 2>"$WORK/server.log" &
SERVER_PID=$!
until curl -fsS -o /dev/null "http://127.0.0.1:$PORT/api/v1/projects" 2>/dev/null; do
    kill -0 "$SERVER_PID" 2>/dev/null || { tail "$WORK/server.log" >&2; die "the server exited"; }
    sleep 0.1
done
(RUST_LOG=warn run_server "$SERVER" admin add --user bench.reviewer --password 'bench reviewer password' --role reviewer) \
    >/dev/null 2>"$WORK/admin.log" || { cat "$WORK/admin.log" >&2; die "admin add failed"; }
say "$N renewals through the profile phase, statements logged"
"$GEN" --addr "127.0.0.1:$PORT" --data-dir "$WORK/data" \
    --reviewer bench.reviewer --password 'bench reviewer password' \
    --profile "$N" --floor-secs 0 --read-secs 0 --issue 0 --full "${STATEMENTS_FULL:-0}" \
    --marks "$WORK/marks" --out "$WORK/bench.json" >"$WORK/gen.log" 2>&1 ||
    { cat "$WORK/gen.log" >&2; die "the load generator failed"; }
# The outbox worker sends what the renewals queued; give it a moment to finish.
sleep 3
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=
FULL_DONE=$(python3 -c 'import json,sys; print((json.load(open(sys.argv[1])).get("full") or {}).get("completed", 0))' "$WORK/bench.json")
python3 "$BENCH/profile/statements.py" "$WORK/server.log" "$WORK/marks" "$N" 15 "$FULL_DONE" |
    tee ${STATEMENTS_OUT:+"$STATEMENTS_OUT"}
