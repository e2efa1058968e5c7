#!/usr/bin/env python3
"""Splits a server log written with RUST_LOG=sqlx::query=debug by the load generator's
--marks (bench/profile/statements.sh) and counts the statements per request kind and
per renewal, with the time each took. BEGIN and COMMIT are not logged by sqlx, so they
are not counted.

The time is sqlx's `elapsed`: measured on the SQLite connection's worker thread from
the statement's preparation (or statement-cache hit) to its last row, so it is
SQLite's work plus sqlx's row decoding, without the hand-off to and from that thread.
In the profile phase (one request at a time) it is close to the CPU the statement
costs.

    statements.py SERVER_LOG MARKS N [TOP] [FULL_N]

TOP (default 15): how many statements to list in the table of the costliest ones.
FULL_N: the renewals the full phase completed (its statements, between the marks
"Full" and "end", are reported per renewal apart from the profile phase's).
"""
import collections, datetime, re, sys

log_path, marks_path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
top_n = int(sys.argv[4]) if len(sys.argv) > 4 else 15
full_n = int(sys.argv[5]) if len(sys.argv) > 5 else 0
ANSI = re.compile(r"\x1b\[[0-9;]*m")
LINE = re.compile(r'^(\S+Z)\s+DEBUG sqlx::query: summary="((?:[^"\\]|\\.)*)" db\.statement="((?:[^"\\]|\\.)*)"')
ELAPSED = re.compile(r"elapsed_secs=([0-9.eE+-]+)")
ROWS = re.compile(r"rows_affected=(\d+) rows_returned=(\d+)")

marks = []
for line in open(marks_path):
    ns, name = line.split()
    marks.append((int(ns), name))

def ts_ns(text):
    # 2026-12-03T10:32:17.536310Z
    base, frac = text.rstrip("Z").split(".")
    dt = datetime.datetime.strptime(base, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return int(dt.timestamp()) * 1_000_000_000 + int(frac.ljust(9, "0")[:9])

def normal(summary, statement, width=110):
    text = statement.replace("\\n", " ") if statement.strip() else summary
    text = re.sub(r"\s+", " ", text).strip()
    return text[:width] if width else text

AFTER = "(after the last batch: outbox, checkpoints)"
by_batch = collections.defaultdict(collections.Counter)
us_by_batch = collections.defaultdict(collections.Counter)
# Per statement (full text): count, total us, max us, rows returned (all batches).
whole = collections.defaultdict(lambda: [0, 0.0, 0.0, 0])
kinds_of = collections.defaultdict(collections.Counter)
for raw in open(log_path, errors="replace"):
    plain = ANSI.sub("", raw)
    m = LINE.match(plain)
    if not m:
        continue
    e = ELAPSED.search(plain)
    us = float(e.group(1)) * 1e6 if e else 0.0
    r = ROWS.search(plain)
    t = ts_ns(m.group(1))
    name = None
    for ns, mark in marks:
        if ns <= t:
            name = mark
    if name is None or name == "end":
        name = "(before/after)" if name is None else AFTER
    key = normal(m.group(2), m.group(3))
    by_batch[name][key] += 1
    us_by_batch[name][key] += us
    if name == "Full":
        continue
    full = normal(m.group(2), m.group(3), 0)
    w = whole[full]
    w[0] += 1
    w[1] += us
    w[2] = max(w[2], us)
    w[3] += int(r.group(2)) if r else 0
    kinds_of[full][name] += 1

order = [name for _, name in marks if name not in ("end", "Full")]
seen, total, total_us = set(), 0, 0.0
print(f"SQL statements per request kind, {n} renewals (per renewal; BEGIN/COMMIT not counted)")
print("columns: statements per renewal, sqlx's elapsed per renewal (us), mean elapsed per statement (us)")
for name in order:
    if name in seen:
        continue
    seen.add(name)
    c = by_batch.get(name, collections.Counter())
    u = us_by_batch.get(name, collections.Counter())
    count = sum(c.values())
    us = sum(u.values())
    calls = order.count(name)
    if name not in ("Floor", "Status"):
        total += count
        total_us += us
    print(f"\n{name} ({calls} batch{'es' if calls > 1 else ''}): {count / n:.1f} per renewal, "
          f"{us / n:,.0f} us per renewal")
    for stmt, k in sorted(c.items(), key=lambda kv: -u[kv[0]]):
        print(f"  {k / n:6.2f} {u[stmt] / n:8,.0f} {u[stmt] / k:8,.1f}  {stmt}")
rest = by_batch.get(AFTER, collections.Counter())
rest_us = us_by_batch.get(AFTER, collections.Counter())
print(f"\nafter the last batch (outbox, checkpoints): {sum(rest.values()) / n:.1f} per renewal, "
      f"{sum(rest_us.values()) / n:,.0f} us per renewal")
for stmt, k in sorted(rest.items(), key=lambda kv: -rest_us[kv[0]])[:12]:
    print(f"  {k / n:6.2f} {rest_us[stmt] / n:8,.0f} {rest_us[stmt] / k:8,.1f}  {stmt}")
print(f"\nwhole renewal (all batches but Floor and Status): {total / n:.1f} statements per renewal, "
      f"{total_us / n:,.0f} us of sqlx elapsed per renewal")
print(f"  plus after the last batch: {(total + sum(rest.values())) / n:.1f}")

full = by_batch.get("Full", collections.Counter())
if full:
    full_us = us_by_batch["Full"]
    fn = full_n or 1
    print(f"\nfull phase (concurrent whole renewals; {full_n} completed): {sum(full.values()) / fn:.1f} "
          f"statements per renewal, {sum(full_us.values()) / fn:,.0f} us of sqlx elapsed per renewal")
    for stmt, k in sorted(full.items(), key=lambda kv: -full_us[kv[0]])[:top_n * 2]:
        print(f"  {k / fn:6.2f} {full_us[stmt] / fn:8,.0f} {full_us[stmt] / k:8,.1f}  {stmt}")

grand = sum(w[1] for w in whole.values())
print(f"\nthe {top_n} statements with the most elapsed time outside the full phase "
      f"({sum(w[0] for w in whole.values()):,} statements, {grand / 1000:,.1f} ms):")
print(f"{'share':>6} {'us/renewal':>10} {'count':>7} {'mean us':>8} {'max us':>8} {'rows/stmt':>9}  statement (request kinds)")
for full, (k, us, mx, rows) in sorted(whole.items(), key=lambda kv: -kv[1][1])[:top_n]:
    kinds = ", ".join(f"{b}" for b, _ in kinds_of[full].most_common(3))
    print(f"{us / grand * 100 if grand else 0:5.1f}% {us / n:10,.0f} {k:7,} {us / k:8,.1f} {mx:8,.0f} "
          f"{rows / k:9.1f}  {full[:160]} ({kinds})")
