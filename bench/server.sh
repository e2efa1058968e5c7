#!/usr/bin/env bash
# Benchmarks certrenew-server on loopback with SQLite, against the quality bars of
# bench/README.md (2 cores, SQLite):
#
#   reads      GET /api/v1/renewals/{no}, 64 keep-alive connections, 10 s
#                                                  (target: >= 10,000/s, 0 errors)
#   full       whole renewals (session, apply, pay, sandbox notice, approve, CSR,
#              installed), each with its own user, 64 workers, 2,000 renewals or 20 s
#                                                  (target: >= 500/s, 0 errors)
#   issuance   only POST /csr on renewals approved beforehand, 32 connections,
#              beside `openssl speed -seconds 5 ecdsap256` run in the same run
#   profile    each request kind alone (sequential, one connection) with the
#              server's CPU time per request: where the time goes
#   floor      GET /api/v1/ca (no database), 64 connections, 3 s: the HTTP stack's floor
#
# The load generator's and the server's CPU time are both recorded: they share the
# machine's cores.
#
#   bash bench/server.sh
#
# Builds the release server (`cargo build --release -p server`) and the load generator
# (bench/server, its own crate), then for each run: a fresh data directory, the
# payment gateway (below), the server on a free 127.0.0.1 port (SQLite, sandbox on,
# RUST_LOG=warn), a reviewer made
# with `certrenew-server admin add`, the load generator, the server stopped, the data
# checked (`audit verify`, row counts, `openssl verify` of an issued certificate), then
# `openssl speed`. Writes bench/results/<date>-server[-N].json (every run and the
# medians) and bench/results/<date>-server[-N].txt (the table printed at the end).
#
# The payment gateway is another party, as in production: a second certrenew-server
# with the sandbox on, on a port of its own, serves the Alipay emulator, and the server
# under test reaches it through its production configuration (`[alipay]` in
# CERTRENEW_PAYMENTS_CONFIG, with the emulator's keys). The gateway's CPU is recorded
# beside the server's, not in it. BENCH_GATEWAY=server instead lets the server under
# test host the emulator itself, as every run before 2026-12-05 (session 15) did.
#
# Then bench/instances.sh: 1, 2 and 4 instances on one PostgreSQL behind haproxy
# (BENCH_NO_INSTANCES=1 skips it).
#
# Each simulated user sends its requests from its own address (`X-Forwarded-For`,
# with 127.0.0.1 a trusted proxy), as real users do, so the per-address limits
# (60 challenges a minute) stay on without the load generator hitting them.
#
# Environment: BENCH_RUNS (default 3); SERVER_BENCH_ARGS (extra options for the load
# generator, e.g. "--read-secs 5 --full 1000"; see `server-bench --help`);
# BENCH_KEEP=1 keeps the temporary directory (data, server logs, raw JSON).
# BENCH_SERVER_BIN=/path/to/certrenew-server uses that binary instead of building one
# (to compare two builds in one sitting).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$REPO/bench
RUNS=${BENCH_RUNS:-3}
REVIEWER=bench.reviewer
PASSWORD='bench reviewer password'

say() { printf '== %s\n' "$*" >&2; }
die() { printf 'bench/server.sh: %s\n' "$*" >&2; exit 1; }

need_apt=()
command -v openssl >/dev/null || need_apt+=(openssl)
command -v python3 >/dev/null || need_apt+=(python3)
command -v curl >/dev/null || need_apt+=(curl)
command -v sqlite3 >/dev/null || need_apt+=(sqlite3)
if [ ${#need_apt[@]} -gt 0 ]; then
    say "installing ${need_apt[*]}"
    SUDO=
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
command -v cargo >/dev/null || die "cargo not found"

# ---------------------------------------------------------------- build
# shellcheck source=lib/build.sh
source "$BENCH/lib/build.sh"
bench_build
# shellcheck source=lib/wait_up.sh
source "$BENCH/lib/wait_up.sh"
# shellcheck source=lib/gateway.sh
source "$BENCH/lib/gateway.sh"
# What was built (other work may be committed while the runs go on).
COMMIT=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(if git -C "$REPO" status --porcelain 2>/dev/null | grep -q .; then echo true; else echo false; fi)

# ---------------------------------------------------------------- runs
GATEWAY_MODE=${BENCH_GATEWAY:-process}
case $GATEWAY_MODE in process | server) ;; *) die "BENCH_GATEWAY: process or server, not $GATEWAY_MODE" ;; esac
WORK=$(mktemp -d "${TMPDIR:-/tmp}/certrenew-server-bench.XXXXXX")
SERVER_PID=
GATEWAY_PID=
# stop PID: SIGTERM (graceful), SIGKILL after 30 s.
stop() {
    kill -TERM "$1" 2>/dev/null || return 0
    for _ in $(seq 1 300); do
        kill -0 "$1" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$1" 2>/dev/null; then
        say "process $1 did not stop in 30 s: SIGKILL"
        kill -KILL "$1" 2>/dev/null || true
    fi
    wait "$1" 2>/dev/null || true
}
cleanup() {
    for pid in $SERVER_PID $GATEWAY_PID; do
        stop "$pid"
    done
    if [ -n "${BENCH_KEEP:-}" ]; then
        say "kept $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# server_env CMD...: runs CMD (exec: same pid) with the environment every server
# command of a run gets ($PAYMENTS_CONFIG, when set, as CERTRENEW_PAYMENTS_CONFIG).
# Call it in a subshell.
server_env() {
    exec env -u DATABASE_URL -u CERTRENEW_CONFIG -u CERTRENEW_DIST_DIR -u CERTRENEW_PAYMENTS_CONFIG \
        ${PAYMENTS_CONFIG:+CERTRENEW_PAYMENTS_CONFIG="$PAYMENTS_CONFIG"} \
        CERTRENEW_LISTEN="127.0.0.1:$PORT" \
        CERTRENEW_DATA_DIR="$DATA" \
        CERTRENEW_PUBLIC_ORIGIN="http://127.0.0.1:$PORT" \
        CERTRENEW_SANDBOX=1 \
        CERTRENEW_SANDBOX_KEY_DIR="$WORK/sandbox-keys" \
        CERTRENEW_TRUSTED_PROXIES=127.0.0.1 \
        RUST_LOG=warn \
        "$@"
}


read -r -a GEN_ARGS <<<"${SERVER_BENCH_ARGS:-}"
for run in $(seq 1 "$RUNS"); do
    RUN=$WORK/run$run
    DATA=$RUN/data
    mkdir -p "$RUN"
    PORT=$(free_port)
    ORIGIN=http://127.0.0.1:$PORT
    PAYMENTS_CONFIG=
    GATEWAY_ARGS=()
    if [ "$GATEWAY_MODE" = process ]; then
        bench_gateway "$RUN/gateway" "$WORK/sandbox-keys"
        GATEWAY_ARGS=(--gateway-addr "$GATEWAY_ADDR" --watch "gateway=$GATEWAY_PID")
    fi
    say "run $run/$RUNS: server on $ORIGIN, data in $DATA"
    LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
    (server_env "$SERVER" serve) >"$RUN/server.out" 2>"$RUN/server.log" &
    SERVER_PID=$!
    wait_up "$ORIGIN" "$SERVER_PID" "$RUN/server.log"
    (server_env "$SERVER" admin add --user "$REVIEWER" --password "$PASSWORD" --role reviewer) \
        >/dev/null 2>"$RUN/admin.log" || { cat "$RUN/admin.log" >&2; die "admin add failed"; }

    CLK_TCK=$(getconf CLK_TCK) "$GEN" --addr "127.0.0.1:$PORT" --origin "$ORIGIN" \
        --data-dir "$DATA" --server-pid "$SERVER_PID" \
        --reviewer "$REVIEWER" --password "$PASSWORD" \
        --out "$RUN/bench.json" ${GATEWAY_ARGS[@]+"${GATEWAY_ARGS[@]}"} ${GEN_ARGS[@]+"${GEN_ARGS[@]}"}

    # The load has stopped: how long until the outbox is drained (target: 10 s)?
    # Polled every 0.1 s for up to 30 s, read beside the running server (WAL).
    # A failed read (the file busy past the timeout) counts as unknown, never as drained.
    pending() { sqlite3 -cmd '.timeout 2000' "$DATA/certrenew.db" "SELECT COUNT(*) FROM outbox WHERE status = 'pending'" 2>/dev/null || echo null; }
    LOAD_END=$(date +%s.%N)
    PENDING_AT_LOAD_END=$(pending)
    DRAIN_S=null
    for _ in $(seq 1 300); do
        if [ "$(pending)" = 0 ]; then
            DRAIN_S=$(python3 -c "import sys; print(round(float(sys.argv[1]) - float(sys.argv[2]), 2))" "$(date +%s.%N)" "$LOAD_END")
            break
        fi
        sleep 0.1
    done

    # Stop the server (SIGTERM: graceful) and the gateway, then check what it stored.
    stop "$SERVER_PID"
    SERVER_PID=
    [ -z "$GATEWAY_PID" ] || stop "$GATEWAY_PID"
    GATEWAY_PID=
    LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

    AUDIT_OK=true
    (server_env "$SERVER" audit verify) >"$RUN/audit.out" 2>&1 || AUDIT_OK=false
    DB=$DATA/certrenew.db
    q() { sqlite3 "$DB" "$1"; }
    sqlite3 "$DB" "SELECT hex(der) FROM certificates ORDER BY issued_at DESC LIMIT 1" |
        python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.stdin.read().strip()))' |
        openssl x509 -inform DER -out "$RUN/last.pem"
    OPENSSL_VERIFY=true
    openssl verify -x509_strict -CAfile "$DATA/ca/ca.pem" "$RUN/last.pem" >"$RUN/verify.out" 2>&1 ||
        OPENSSL_VERIFY=false
    cat >"$RUN/checks.json" <<EOF
{
  "audit_verify_ok": $AUDIT_OK,
  "audit_verify_output": $(python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read().strip()))' "$RUN/audit.out"),
  "openssl_verify_last_issued_ok": $OPENSSL_VERIFY,
  "renewals": $(q "SELECT COUNT(*) FROM renewals"),
  "renewals_completed": $(q "SELECT COUNT(*) FROM renewals WHERE status = 'completed'"),
  "renewals_issued": $(q "SELECT COUNT(*) FROM renewals WHERE status = 'issued'"),
  "certificates": $(q "SELECT COUNT(*) FROM certificates"),
  "ledger_charges": $(q "SELECT COUNT(*) FROM ledger WHERE kind = 'charge'"),
  "audit_rows": $(q "SELECT COUNT(*) FROM audit"),
  "outbox_rows": $(q "SELECT COUNT(*) FROM outbox"),
  "outbox_sent": $(q "SELECT COUNT(*) FROM outbox WHERE status = 'sent'"),
  "outbox_pending": $(q "SELECT COUNT(*) FROM outbox WHERE status = 'pending'"),
  "outbox_pending_at_load_end": $PENDING_AT_LOAD_END,
  "outbox_drain_seconds": $DRAIN_S,
  "db_bytes": $(stat -c %s "$DB"),
  "server_log_warnings": $(grep -E 'WARN|ERROR' "$RUN/server.log" | grep -vc 'no CA yet' || true),
  "load_before": "$LOAD_BEFORE",
  "load_after": "$LOAD_AFTER"
}
EOF

    # The reference, in the same run, with the machine to itself.
    say "run $run/$RUNS: openssl speed -seconds 5 ecdsap256"
    openssl speed -seconds 5 ecdsap256 >"$RUN/openssl.txt" 2>/dev/null
done

# ---------------------------------------------------------------- results
mkdir -p "$BENCH/results"
STEM=$BENCH/results/$(date -u +%F)-server
n=1
OUT=$STEM
while [ -e "$OUT.json" ]; do
    n=$((n + 1))
    OUT=$STEM-$n
done
CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
python3 - "$WORK" "$RUNS" "$OUT" "$(nproc)" "$CPU" "$COMMIT" "$DIRTY" "$(openssl version)" \
    "$(rustc --version)" "${SERVER_BENCH_ARGS:-}" <<'EOF' | tee "$OUT.txt"
import datetime, json, re, statistics, sys
work, runs, out, ncpu, cpu, commit, dirty, openssl_v, rustc_v, extra = sys.argv[1:11]
runs = int(runs)

def openssl_speed(path):
    for line in open(path):
        m = re.search(r"nistp256\)\s+\S+s\s+\S+s\s+([\d.]+)\s+([\d.]+)", line)
        if m:
            return {"sign_per_s": float(m.group(1)), "verify_per_s": float(m.group(2))}
    return None

results = []
for i in range(1, runs + 1):
    r = json.load(open(f"{work}/run{i}/bench.json"))
    r["checks"] = json.load(open(f"{work}/run{i}/checks.json"))
    r["checks"]["load_before_1m"] = float(r["checks"]["load_before"].split()[0])
    r["checks"]["load_after_1m"] = float(r["checks"]["load_after"].split()[0])
    r["openssl_speed_ecdsap256"] = openssl_speed(f"{work}/run{i}/openssl.txt")
    # The gateway in a process of its own (BENCH_GATEWAY=process): its CPU, per renewal.
    r["gateway"] = "process" if r.get("gateway_addr", r["addr"]) != r["addr"] else "server"
    gw = (r["full"]["cpu"].get("watched") or {}).get("gateway")
    if gw and r["full"]["completed"]:
        r["full"]["gateway_cpu_ms_per_renewal"] = round(gw["cpu_s"] * 1000 / r["full"]["completed"], 3)
        r["full"]["gateway_cores"] = gw["cores"]
    results.append(r)

def get(r, path):
    for k in path.split("."):
        if r is None:
            return None
        r = r.get(k) if isinstance(r, dict) else None
    return r

def med(path):
    vals = [get(r, path) for r in results]
    vals = [v for v in vals if isinstance(v, (int, float))]
    return statistics.median(vals) if vals else None

# What the stored data must show, from what the load generator reported.
problems = []
for i, r in enumerate(results, 1):
    c = r["checks"]
    want_completed = r["profile"]["completed"] + r["full"]["completed"]
    # A phase skipped (--read-secs 0, --issue 0) is null in the load generator's report.
    issuance = r["issuance"] or {"issued": 0, "prepared": 0}
    want_certs = want_completed + issuance["issued"]
    want_charges = r["profile"]["completed"] + r["full"]["completed"] + issuance["prepared"]
    for what, got, want in [("completed renewals", c["renewals_completed"], want_completed),
                            ("certificates", c["certificates"], want_certs),
                            ("ledger charges", c["ledger_charges"], want_charges)]:
        if got != want:
            problems.append(f"run {i}: {what}: {got} stored, {want} reported")
    if not c["audit_verify_ok"]:
        problems.append(f"run {i}: audit verify failed: {c['audit_verify_output']}")
    if not c["openssl_verify_last_issued_ok"]:
        problems.append(f"run {i}: openssl verify of the last issued certificate failed")

paths = {
    "floor_per_s": "floor.per_second",
    "reads_per_s": "reads.per_second", "reads_p50_ms": "reads.latency.p50_ms",
    "reads_p99_ms": "reads.latency.p99_ms", "reads_errors": "reads.errors.count",
    "reads_server_cores": "reads.cpu.server.cores", "reads_loadgen_cores": "reads.cpu.loadgen.cores",
    "reads_server_cpu_us_per_request": "reads.cpu.server.cpu_us_per_request",
    "full_per_s": "full.per_second", "full_errors": "full.errors.count",
    "full_completed": "full.completed", "full_seconds": "full.seconds",
    "full_client_requests_per_renewal": "full.client_requests_per_renewal",
    "full_renewal_p50_ms": "full.renewal_latency.p50_ms",
    "full_renewal_p99_ms": "full.renewal_latency.p99_ms",
    "full_server_cores": "full.cpu.server.cores", "full_loadgen_cores": "full.cpu.loadgen.cores",
    "full_server_cpu_ms_per_renewal": "full.server_cpu_ms_per_renewal",
    "full_loadgen_cpu_ms_per_renewal": "full.loadgen_cpu_ms_per_renewal",
    "full_gateway_cpu_ms_per_renewal": "full.gateway_cpu_ms_per_renewal",
    "full_gateway_cores": "full.gateway_cores",
    "issue_per_s": "issuance.per_second", "issue_p50_ms": "issuance.latency.p50_ms",
    "issue_p99_ms": "issuance.latency.p99_ms", "issue_errors": "issuance.errors.count",
    "issue_server_cores": "issuance.cpu.server.cores", "issue_loadgen_cores": "issuance.cpu.loadgen.cores",
    "issue_server_cpu_us_per_request": "issuance.cpu.server.cpu_us_per_request",
    "openssl_sign_per_s": "openssl_speed_ecdsap256.sign_per_s",
    "openssl_verify_per_s": "openssl_speed_ecdsap256.verify_per_s",
    "profile_server_cpu_us_per_renewal": "profile.server_cpu_us_per_renewal",
}
medians = {k: med(p) for k, p in paths.items()}
order = ["floor_get_ca", "challenge", "session", "apply", "pay", "cashier", "gateway_buyer_pay",
         "gateway_complete", "approve",
         "csr", "installed", "status"]
have = results[0]["profile"]["steps"]
steps = [s for s in order if s in have] + [s for s in have if s not in order]
profile_medians = {s: {k: med(f"profile.steps.{s}.{k}") for k in
                       ("p50_ms", "p99_ms", "server_cpu_us_per_request", "loadgen_cpu_us_per_request")}
                   for s in steps}

now = datetime.datetime.now(datetime.timezone.utc)
doc = {
    "benchmark": "certrenew-server on loopback, SQLite (bash bench/server.sh)",
    "date": f"{now:%Y-%m-%d %H:%M} UTC",
    "commit": commit, "uncommitted_changes": dirty == "true",
    "machine": {"nproc": int(ncpu), "cpu": cpu, "openssl": openssl_v, "rustc": rustc_v,
                "note": "the load generator and the server share these cores"},
    "load_generator_args": extra,
    "runs": results, "medians": medians, "profile_medians": profile_medians,
    "problems": problems,
}
json.dump(doc, open(out + ".json", "w"), indent=2, ensure_ascii=False)

def f(v, fmt="{:,.0f}"):
    return "-" if v is None else fmt.format(v)

print(f"certrenew-server benchmark, {doc['date']}, commit {commit}"
      f"{' (with uncommitted changes)' if dirty == 'true' else ''}")
print(f"{ncpu} CPUs ({cpu}), shared by the server and the load generator; {openssl_v}")
print(f"results: bench/{out.split('/bench/', 1)[-1]}.json; {runs} runs, medians shown")
print("the Alipay emulator: " + ("in a process of its own (its CPU is not the server's)"
      if results[0]["gateway"] == "process" else "inside the server under test (BENCH_GATEWAY=server)"))
print()
w = 12
print(f"{'':<46}" + "".join(f"{'run ' + str(i):>{w}}" for i in range(1, runs + 1)) + f"{'median':>{w}}")

def row(label, paths_fmt):
    """One table row; paths_fmt: [(path, format)], several joined with '/'."""
    def cell(values):
        if any(v is None for v in values):
            return "-"
        return "/".join(fmt.format(v) for v, (_, fmt) in zip(values, paths_fmt))
    cells = [cell([get(r, p) for p, _ in paths_fmt]) for r in results]
    cells.append(cell([med(p) for p, _ in paths_fmt]))
    print(f"{label:<46}" + "".join(f"{c:>{w}}" for c in cells))

row("HTTP floor: GET /api/v1/ca/s (no database)", [("floor.per_second", "{:,.0f}")])
row("status reads/s (target >= 10,000)", [("reads.per_second", "{:,.0f}")])
row("  p50 / p99 latency, ms", [("reads.latency.p50_ms", "{:.1f}"), ("reads.latency.p99_ms", "{:.1f}")])
row("  errors", [("reads.errors.count", "{:,.0f}")])
row("  server CPU us per read", [("reads.cpu.server.cpu_us_per_request", "{:,.0f}")])
row("  CPU cores: server / load generator", [("reads.cpu.server.cores", "{:.2f}"), ("reads.cpu.loadgen.cores", "{:.2f}")])
row("full renewals/s (target >= 500)", [("full.per_second", "{:,.1f}")])
row("  completed / errors", [("full.completed", "{:,.0f}"), ("full.errors.count", "{:,.0f}")])
row("  client HTTP requests per renewal", [("full.client_requests_per_renewal", "{:,.1f}")])
row("  one whole renewal, p50 / p99 ms", [("full.renewal_latency.p50_ms", "{:,.0f}"), ("full.renewal_latency.p99_ms", "{:,.0f}")])
row("  server CPU ms per renewal", [("full.server_cpu_ms_per_renewal", "{:,.2f}")])
row("  CPU cores: server / load generator", [("full.cpu.server.cores", "{:.2f}"), ("full.cpu.loadgen.cores", "{:.2f}")])
if results[0]["gateway"] == "process":
    row("  gateway CPU ms per renewal / its cores", [("full.gateway_cpu_ms_per_renewal", "{:,.2f}"), ("full.gateway_cores", "{:.2f}")])
row("issuance (/csr only)/s", [("issuance.per_second", "{:,.0f}")])
row("  p50 / p99 latency, ms", [("issuance.latency.p50_ms", "{:.1f}"), ("issuance.latency.p99_ms", "{:.1f}")])
row("  issued / errors", [("issuance.issued", "{:,.0f}"), ("issuance.errors.count", "{:,.0f}")])
row("  server CPU us per issuance", [("issuance.cpu.server.cpu_us_per_request", "{:,.0f}")])
row("  CPU cores: server / load generator", [("issuance.cpu.server.cores", "{:.2f}"), ("issuance.cpu.loadgen.cores", "{:.2f}")])
row("openssl speed ecdsap256 sign/s (1 core)", [("openssl_speed_ecdsap256.sign_per_s", "{:,.0f}")])
row("openssl speed ecdsap256 verify/s (1 core)", [("openssl_speed_ecdsap256.verify_per_s", "{:,.0f}")])
row("load average before / after the run", [("checks.load_before_1m", "{:.1f}"), ("checks.load_after_1m", "{:.1f}")])
print()
print("each request kind alone (one connection, no concurrency), medians over runs:")
print(f"{'request':<20}{'p50 ms':>10}{'p99 ms':>10}{'server CPU us':>16}{'loadgen CPU us':>16}")
for s in steps:
    m = profile_medians[s]
    print(f"{s:<20}{f(m['p50_ms'], '{:.3f}'):>10}{f(m['p99_ms'], '{:.3f}'):>10}"
          f"{f(m['server_cpu_us_per_request'], '{:,.0f}'):>16}{f(m['loadgen_cpu_us_per_request'], '{:,.0f}'):>16}")
print(f"server CPU per whole renewal (11 requests + the notice), summed: "
      f"{f(medians['profile_server_cpu_us_per_renewal'], '{:,.0f}')} us")
print()
def verdict(value, met):
    return "not run" if value is None else "MET" if met(value) else "NOT MET"
zero = all(get(r, f"{phase}.errors.count") in (0, None) for r in results
           for phase in ("reads", "full", "issuance"))
print(f"status reads >= 10,000/s: {verdict(medians['reads_per_s'], lambda v: v >= 10000)}; "
      f"full renewals >= 500/s: {verdict(medians['full_per_s'], lambda v: v >= 500)}; "
      f"0 errors: {'MET' if zero else 'NOT MET'}")
print(f"server CPU per full renewal <= 3 ms: "
      f"{verdict(medians['full_server_cpu_ms_per_renewal'], lambda v: v <= 3)}")
drains = [r["checks"]["outbox_drain_seconds"] for r in results]
print(f"outbox drained within 10 s of the load stopping: "
      f"{'MET' if all(d is not None and d <= 10 for d in drains) else 'NOT MET'} "
      f"(seconds: {', '.join('not in 30' if d is None else f'{d:.1f}' for d in drains)}; pending when the "
      f"load stopped: {', '.join(str(r['checks']['outbox_pending_at_load_end']) for r in results)})")
c = results[-1]["checks"]
print(f"notifications: {c['outbox_sent']:,} of {c['outbox_rows']:,} outbox rows sent when the server "
      f"stopped (last run); {c['outbox_pending']:,} still pending")
if problems:
    print("PROBLEMS:")
    for p in problems:
        print(f"  {p}")
else:
    print("stored data checked: audit chain verifies, counts match, the last issued "
          "certificate passes openssl verify")
EOF

if [ -z "${BENCH_NO_INSTANCES:-}" ]; then
    bash "$BENCH/instances.sh"
fi
