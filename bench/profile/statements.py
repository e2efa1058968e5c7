#!/usr/bin/env python3
"""Splits a server log written with RUST_LOG=sqlx::query=debug by the load generator's
--marks (bench/profile/statements.sh) and counts the statements per request kind and
per renewal. BEGIN and COMMIT are not logged by sqlx, so they are not counted.

    statements.py SERVER_LOG MARKS N
"""
import collections, datetime, re, sys

log_path, marks_path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
ANSI = re.compile(r"\x1b\[[0-9;]*m")
LINE = re.compile(r'^(\S+Z)\s+DEBUG sqlx::query: summary="((?:[^"\\]|\\.)*)" db\.statement="((?:[^"\\]|\\.)*)"')

marks = []
for line in open(marks_path):
    ns, name = line.split()
    marks.append((int(ns), name))

def ts_ns(text):
    # 2026-12-03T10:32:17.536310Z
    base, frac = text.rstrip("Z").split(".")
    dt = datetime.datetime.strptime(base, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return int(dt.timestamp()) * 1_000_000_000 + int(frac.ljust(9, "0")[:9])

def normal(summary, statement):
    text = statement.replace("\\n", " ") if statement.strip() else summary
    return re.sub(r"\s+", " ", text).strip()[:110]

by_batch = collections.defaultdict(collections.Counter)
for raw in open(log_path, errors="replace"):
    m = LINE.match(ANSI.sub("", raw))
    if not m:
        continue
    t = ts_ns(m.group(1))
    name = None
    for ns, mark in marks:
        if ns <= t:
            name = mark
    if name is None or name == "end":
        name = "(before/after)" if name is None else "(after the last batch: outbox, checkpoints)"
    by_batch[name][normal(m.group(2), m.group(3))] += 1

order = [name for _, name in marks if name != "end"]
seen, total = set(), 0
print(f"SQL statements per request kind, {n} renewals (per renewal; BEGIN/COMMIT not counted)")
for name in order:
    if name in seen:
        continue
    seen.add(name)
    c = by_batch.get(name, collections.Counter())
    count = sum(c.values())
    calls = order.count(name)
    if name not in ("Floor", "Status"):
        total += count
    print(f"\n{name} ({calls} batch{'es' if calls > 1 else ''}): {count / n:.1f} per renewal")
    for stmt, k in c.most_common():
        print(f"  {k / n:6.2f}  {stmt}")
rest = by_batch.get("(after the last batch: outbox, checkpoints)", collections.Counter())
print(f"\nafter the last batch (outbox, checkpoints): {sum(rest.values()) / n:.1f} per renewal")
for stmt, k in rest.most_common(12):
    print(f"  {k / n:6.2f}  {stmt}")
print(f"\nwhole renewal (all batches but Floor and Status): {total / n:.1f} statements per renewal")
print(f"  plus after the last batch: {(total + sum(rest.values())) / n:.1f}")
