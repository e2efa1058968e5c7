#!/usr/bin/env bash
# Full renewals/s with 1, 2 and 4 certrenew-server instances on one PostgreSQL behind
# haproxy (round robin), on loopback (issue 16 item 4; bench/README.md, "Several
# instances").
#
#   bash bench/instances.sh            (bench/server.sh runs it after its own runs)
#
# Builds the release server and the load generator (bench/server), starts a private
# PostgreSQL cluster in a temporary directory (initdb, PostgreSQL's default durability:
# fsync and synchronous_commit on), then for each round and each instance count, in
# turn (1, 2, 4, 1, 2, 4, …, so a change in the machine's load touches every count
# alike): a fresh database and data directory, the instances (same CA, same
# CERTRENEW_AUDIT_KEY, CERTRENEW_TRUSTED_PROXIES=127.0.0.1), haproxy in front of them
# (`balance roundrobin`, HTTP mode: each request goes to the next instance, so a
# challenge fetched from one is used on another; `/sandbox/…`, the Alipay emulator
# the instances' Alipay providers and the customer talk to, goes to the first one
# only, as a real gateway is one party whose trades live in its memory; the keys are
# in the shared data directory), a reviewer, then the load
# generator's full renewals only, through haproxy. The CPU of the instances, of
# PostgreSQL (the postmaster with all its backends), of haproxy and of the load
# generator is read from /proc around the timed phase. Afterwards the stored data is
# checked (`audit verify`, counts against what the load generator reported).
# Writes bench/results/<date>-instances[-N].json and .txt.
#
# Environment: BENCH_INSTANCE_ROUNDS (default 3), BENCH_INSTANCES ("1 2 4"),
# BENCH_FULL (renewals per run, default 1500), BENCH_FULL_WORKERS (32),
# BENCH_FULL_SECS (20), BENCH_PG_OPTS (extra `postgres -c` settings, e.g.
# "-c synchronous_commit=off"), BENCH_KEEP=1 keeps the temporary directory,
# CARGO_TARGET_DIR as for cargo, BENCH_SERVER_BIN=/path/to/certrenew-server uses that
# binary instead of building one.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$REPO/bench
ROUNDS=${BENCH_INSTANCE_ROUNDS:-3}
COUNTS=${BENCH_INSTANCES:-1 2 4}
FULL=${BENCH_FULL:-1500}
WORKERS=${BENCH_FULL_WORKERS:-32}
FULL_SECS=${BENCH_FULL_SECS:-20}
REVIEWER=bench.reviewer
PASSWORD='bench reviewer password'
AUDIT_KEY=bench-audit-key-0123456789abcdef

say() { printf '== %s\n' "$*" >&2; }
die() { printf 'bench/instances.sh: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- dependencies
need_apt=()
command -v haproxy >/dev/null || need_apt+=(haproxy)
command -v psql >/dev/null || need_apt+=(postgresql-client)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
command -v openssl >/dev/null || need_apt+=(openssl)
command -v python3 >/dev/null || need_apt+=(python3)
command -v curl >/dev/null || need_apt+=(curl)
if [ ${#need_apt[@]} -gt 0 ]; then
    say "installing ${need_apt[*]}"
    SUDO=
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
command -v cargo >/dev/null || die "cargo not found"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)

# ---------------------------------------------------------------- build
# shellcheck source=lib/build.sh
source "$BENCH/lib/build.sh"
# shellcheck source=lib/wait_up.sh
source "$BENCH/lib/wait_up.sh"
bench_build
COMMIT=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(if git -C "$REPO" status --porcelain 2>/dev/null | grep -q .; then echo true; else echo false; fi)

# ---------------------------------------------------------------- PostgreSQL
WORK=$(mktemp -d "${TMPDIR:-/tmp}/certrenew-instances-bench.XXXXXX")
chmod 755 "$WORK"
PGDATA=$WORK/pg
PIDS=()
HAPROXY_PID=
PG_STARTED=
# As root, PostgreSQL runs as the postgres user (it refuses root).
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
stop_instances() {
    if [ -n "$HAPROXY_PID" ]; then
        kill -TERM "$HAPROXY_PID" 2>/dev/null || true
        wait "$HAPROXY_PID" 2>/dev/null || true
        HAPROXY_PID=
    fi
    local p
    for p in ${PIDS[@]+"${PIDS[@]}"}; do kill -TERM "$p" 2>/dev/null || true; done
    for p in ${PIDS[@]+"${PIDS[@]}"}; do
        for _ in $(seq 1 300); do
            kill -0 "$p" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    PIDS=()
}
cleanup() {
    stop_instances
    if [ -n "$PG_STARTED" ]; then
        as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
    fi
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

mkdir -p "$PGDATA"
[ "$(id -u)" -ne 0 ] || chown postgres: "$PGDATA"
PGPORT=$(free_port)
say "PostgreSQL ($("$PGBIN/postgres" --version)) in $PGDATA on 127.0.0.1:$PGPORT"
as_pg "$PGBIN/initdb" -D "$PGDATA" -U bench --auth=trust -E UTF8 --locale=C.UTF-8 >"$WORK/initdb.log" 2>&1 ||
    { cat "$WORK/initdb.log" >&2; die "initdb failed"; }
# shellcheck disable=SC2086 # BENCH_PG_OPTS is a list of options
as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w start -o \
    "-c port=$PGPORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$PGDATA -c max_connections=200 ${BENCH_PG_OPTS:-}" \
    >/dev/null || { cat "$PGDATA/server.log" >&2; die "PostgreSQL did not start"; }
PG_STARTED=1
PG_PID=$(head -n 1 "$PGDATA/postmaster.pid")
PG_ADMIN="postgres://bench@127.0.0.1:$PGPORT/postgres"
pg_settings=$(psql "$PG_ADMIN" -qtAc "SELECT string_agg(name || '=' || setting, ' ' ORDER BY name) FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'shared_buffers', 'max_connections')")

# ---------------------------------------------------------------- runs
# instance_env DB PORT CMD...: runs CMD (exec) as an instance on database DB.
instance_env() {
    local db=$1 port=$2
    shift 2
    exec env -u CERTRENEW_CONFIG -u CERTRENEW_DIST_DIR \
        DATABASE_URL="postgres://bench@127.0.0.1:$PGPORT/$db" \
        CERTRENEW_LISTEN="127.0.0.1:$port" \
        CERTRENEW_DATA_DIR="$DATA" \
        CERTRENEW_PUBLIC_ORIGIN="$ORIGIN" \
        CERTRENEW_SANDBOX=1 \
        CERTRENEW_AUDIT_KEY="$AUDIT_KEY" \
        CERTRENEW_TRUSTED_PROXIES=127.0.0.1 \
        RUST_LOG=warn \
        "$@"
}

for round in $(seq 1 "$ROUNDS"); do
    for n in $COUNTS; do
        RUN=$WORK/r$round-n$n
        DATA=$RUN/data
        DB=bench_r${round}_n$n
        mkdir -p "$RUN"
        psql "$PG_ADMIN" -qc "CREATE DATABASE $DB" >/dev/null
        PROXY_PORT=$(free_port)
        ORIGIN=http://127.0.0.1:$PROXY_PORT
        say "round $round/$ROUNDS: $n instance(s) behind haproxy on $ORIGIN"
        LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
        backends=""
        for i in $(seq 1 "$n"); do
            port=$(free_port)
            (instance_env "$DB" "$port" "$SERVER" serve) >"$RUN/server$i.out" 2>"$RUN/server$i.log" &
            PIDS+=($!)
            # The first makes the schema and the CA; the others start on them.
            wait_up "http://127.0.0.1:$port" "$!" "$RUN/server$i.log"
            backends+="    server s$i 127.0.0.1:$port"$'\n'
            [ "$i" -gt 1 ] || first_port=$port
        done
        cat >"$RUN/haproxy.cfg" <<EOF
global
    maxconn 4096
defaults
    mode http
    option forwardfor
    timeout connect 5s
    timeout client 60s
    timeout server 60s
frontend bench
    bind 127.0.0.1:$PROXY_PORT
    acl sandbox path_beg /sandbox/
    use_backend sandbox if sandbox
    default_backend instances
backend instances
    balance roundrobin
$backends
backend sandbox
    server s1 127.0.0.1:$first_port
EOF
        haproxy -f "$RUN/haproxy.cfg" -db >"$RUN/haproxy.log" 2>&1 &
        HAPROXY_PID=$!
        wait_up "$ORIGIN" "$HAPROXY_PID" "$RUN/haproxy.log"
        (instance_env "$DB" 0 "$SERVER" admin add --user "$REVIEWER" --password "$PASSWORD" --role reviewer) \
            >/dev/null 2>"$RUN/admin.log" || { cat "$RUN/admin.log" >&2; die "admin add failed"; }

        watch="servers=$(
            IFS=,
            echo "${PIDS[*]}"
        );postgres=$PG_PID;haproxy=$HAPROXY_PID"
        CLK_TCK=$(getconf CLK_TCK) "$GEN" --addr "127.0.0.1:$PROXY_PORT" --origin "$ORIGIN" \
            --data-dir "$DATA" --reviewer "$REVIEWER" --password "$PASSWORD" \
            --profile 0 --floor-secs 0 --read-secs 0 --issue 0 \
            --full "$FULL" --full-workers "$WORKERS" --full-secs "$FULL_SECS" \
            --watch "$watch" --out "$RUN/bench.json"

        # The outbox: how long until every row is sent (or 15 s).
        t0=$SECONDS
        pending=-1
        for _ in $(seq 1 150); do
            pending=$(psql "postgres://bench@127.0.0.1:$PGPORT/$DB" -qtAc "SELECT COUNT(*) FROM outbox WHERE status = 'pending'")
            [ "$pending" -eq 0 ] && break
            sleep 0.1
        done
        drain_s=$((SECONDS - t0))
        stop_instances
        LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

        AUDIT_OK=true
        (instance_env "$DB" 0 "$SERVER" audit verify) >"$RUN/audit.out" 2>&1 || AUDIT_OK=false
        q() { psql "postgres://bench@127.0.0.1:$PGPORT/$DB" -qtAc "$1"; }
        cat >"$RUN/checks.json" <<EOF
{
  "instances": $n,
  "audit_verify_ok": $AUDIT_OK,
  "audit_verify_output": $(python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read().strip()[-2000:]))' "$RUN/audit.out"),
  "renewals_completed": $(q "SELECT COUNT(*) FROM renewals WHERE status = 'completed'"),
  "certificates": $(q "SELECT COUNT(*) FROM certificates"),
  "audit_rows": $(q "SELECT COUNT(*) FROM audit"),
  "outbox_rows": $(q "SELECT COUNT(*) FROM outbox"),
  "outbox_pending_after_load": $pending,
  "outbox_wait_s": $drain_s,
  "server_log_warnings": $(cat "$RUN"/server*.log | grep -E 'WARN|ERROR' | grep -vc 'no CA yet' || true),
  "load_before": "$LOAD_BEFORE",
  "load_after": "$LOAD_AFTER"
}
EOF
        psql "$PG_ADMIN" -qc "DROP DATABASE $DB WITH (FORCE)" >/dev/null
    done
done

# ---------------------------------------------------------------- results
mkdir -p "$BENCH/results"
STEM=$BENCH/results/$(date -u +%F)-instances
k=1
OUT=$STEM
while [ -e "$OUT.json" ]; do
    k=$((k + 1))
    OUT=$STEM-$k
done
CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
python3 - "$WORK" "$ROUNDS" "$COUNTS" "$OUT" "$(nproc)" "$CPU" "$COMMIT" "$DIRTY" \
    "$("$PGBIN/postgres" --version)" "$(haproxy -v | head -n 1)" "$pg_settings" "$FULL" "$WORKERS" <<'EOF' | tee "$OUT.txt"
import datetime, json, statistics, sys
(work, rounds, counts, out, ncpu, cpu, commit, dirty, pg_v, haproxy_v, pg_settings,
 full, workers) = sys.argv[1:14]
rounds, counts = int(rounds), [int(c) for c in counts.split()]

def load(r, n):
    b = json.load(open(f"{work}/r{r}-n{n}/bench.json"))
    c = json.load(open(f"{work}/r{r}-n{n}/checks.json"))
    f = b["full"]
    w = f["cpu"]["watched"]
    done = max(f["completed"], 1)
    row = {
        "round": r, "instances": n,
        "per_second": f["per_second"], "completed": f["completed"], "errors": f["errors"]["count"],
        "seconds": f["seconds"],
        "renewal_p50_ms": f["renewal_latency"].get("p50_ms"),
        "renewal_p99_ms": f["renewal_latency"].get("p99_ms"),
        "cores": {k: w[k]["cores"] for k in w} | {"loadgen": f["cpu"]["loadgen"]["cores"]},
        "cpu_ms_per_renewal": {k: round(w[k]["cpu_s"] * 1000 / done, 3) for k in w}
                              | {"loadgen": round(f["cpu"]["loadgen"]["cpu_s"] * 1000 / done, 3)},
        "checks": c, "errors_by_kind": f["errors"]["by_kind"], "error_samples": f["errors"]["samples"],
    }
    problems = []
    if not c["audit_verify_ok"]:
        problems.append("audit verify failed")
    if c["renewals_completed"] != f["completed"]:
        problems.append(f"{c['renewals_completed']} completed renewals stored, {f['completed']} reported")
    row["problems"] = problems
    return row

runs = [load(r, n) for r in range(1, rounds + 1) for n in counts]
def med(n, get):
    vals = [get(x) for x in runs if x["instances"] == n]
    vals = [v for v in vals if isinstance(v, (int, float))]
    return statistics.median(vals) if vals else None

summary = {}
for n in counts:
    summary[n] = {
        "per_second": med(n, lambda x: x["per_second"]),
        "errors": sum(x["errors"] for x in runs if x["instances"] == n),
        "renewal_p50_ms": med(n, lambda x: x["renewal_p50_ms"]),
        "renewal_p99_ms": med(n, lambda x: x["renewal_p99_ms"]),
        "cores": {k: med(n, lambda x, k=k: x["cores"][k]) for k in ("servers", "postgres", "haproxy", "loadgen")},
        "cpu_ms_per_renewal": {k: med(n, lambda x, k=k: x["cpu_ms_per_renewal"][k])
                               for k in ("servers", "postgres", "haproxy", "loadgen")},
    }
base = summary[counts[0]]["per_second"] or 0
for n in counts:
    s = summary[n]
    s["ratio_to_first"] = round(s["per_second"] / base, 3) if base else None
    # Per-round ratios: each count against the first count of the same round.
    s["round_ratios"] = [
        round(a["per_second"] / b["per_second"], 3)
        for a in runs if a["instances"] == n
        for b in runs if b["instances"] == counts[0] and b["round"] == a["round"] and b["per_second"]
    ]
now = datetime.datetime.now(datetime.timezone.utc)
doc = {
    "benchmark": "full renewals through haproxy (round robin) over N certrenew-server instances on one PostgreSQL (bash bench/instances.sh)",
    "date": f"{now:%Y-%m-%d %H:%M} UTC", "commit": commit, "uncommitted_changes": dirty == "true",
    "machine": {"nproc": int(ncpu), "cpu": cpu, "postgres": pg_v, "postgres_settings": pg_settings,
                "haproxy": haproxy_v,
                "note": "instances, PostgreSQL, haproxy and the load generator share these cores"},
    "renewals_per_run": int(full), "workers": int(workers),
    "runs": runs, "summary": {str(k): v for k, v in summary.items()},
    "problems": [f"round {x['round']}, {x['instances']} instance(s): {p}" for x in runs for p in x["problems"]],
}
json.dump(doc, open(out + ".json", "w"), indent=2, ensure_ascii=False)

f = lambda v, fmt="{:,.1f}": "-" if v is None else fmt.format(v)
print(f"certrenew-server instances on one PostgreSQL, {doc['date']}, commit {commit}"
      f"{' (with uncommitted changes)' if dirty == 'true' else ''}")
print(f"{ncpu} CPUs ({cpu}) shared by everything below; {pg_v} ({pg_settings}); {haproxy_v}")
print(f"{rounds} rounds x {counts}; each run {full} renewals by {workers} workers; medians over rounds")
print(f"results: bench/{out.split('/bench/', 1)[-1]}.json")
print()
print(f"{'instances':>9}{'renewals/s':>12}{'ratio':>7}{'errors':>8}{'p50 ms':>8}{'p99 ms':>8}"
      f"{'| cores: servers':>16}{'postgres':>9}{'haproxy':>8}{'loadgen':>8}"
      f"{'| CPU ms/renewal: servers':>25}{'postgres':>9}{'haproxy':>8}{'loadgen':>8}")
for n in counts:
    s = summary[n]
    c, m = s["cores"], s["cpu_ms_per_renewal"]
    print(f"{n:>9}{f(s['per_second']):>12}{f(s['ratio_to_first'], '{:.2f}'):>7}{s['errors']:>8}"
          f"{f(s['renewal_p50_ms'], '{:,.0f}'):>8}{f(s['renewal_p99_ms'], '{:,.0f}'):>8}"
          f"{f(c['servers'], '{:.2f}'):>16}{f(c['postgres'], '{:.2f}'):>9}{f(c['haproxy'], '{:.2f}'):>8}{f(c['loadgen'], '{:.2f}'):>8}"
          f"{f(m['servers'], '{:.2f}'):>25}{f(m['postgres'], '{:.2f}'):>9}{f(m['haproxy'], '{:.2f}'):>8}{f(m['loadgen'], '{:.2f}'):>8}")
print()
for n in counts:
    print(f"{n} instance(s): renewals/s by round {[x['per_second'] for x in runs if x['instances'] == n]}, "
          f"ratio to {counts[0]} in the same round {summary[n]['round_ratios']}")
if doc["problems"]:
    print("PROBLEMS:")
    for p in doc["problems"]:
        print(f"  {p}")
else:
    print("stored data checked: audit verify passes, completed renewals match what the load generator reported")
EOF
