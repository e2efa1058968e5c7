#!/usr/bin/env python3
"""`perf script` output -> folded stacks, a share per kind of work, and a flame graph.

    perf script -i perf.data | python3 bench/profile/fold.py OUT_STEM
    zcat OUT_STEM.folded.gz | python3 bench/profile/fold.py --kinds   # shares again

Writes OUT_STEM.folded (one `frame;frame;… count` line per stack, root first, as
Brendan Gregg's stackcollapse-perf.pl does), OUT_STEM.svg (a plain flame graph: width
is samples, root at the bottom) and prints each kind of work's share of the samples,
found by the leaf-most frame that names one (see KINDS).
"""
import collections
import html
import re
import sys

KINDS = [
    # RSA-2048 on aws-lc-rs since session 16 (payments::rsa_sign; ring from session 7):
    # the Alipay provider signs the cashier redirect and the sandbox's emulator (standing
    # in for Alipay) signs its notice; the frames of ring and of the older pure-Rust `rsa`
    # crate are kept for old profiles.
    ("RSA-2048 signatures (the Alipay provider's, and the sandbox emulator's notice)",
     ["aws_lc_rs::rsa::key::KeyPair::sign", "ring::rsa::keypair::KeyPair::sign",
      "SigningKey<D> as signature::signer::Signer"]),
    ("RSA verifications", ["ring::rsa::verification", "ring::rsa::public_key", "rsa::pkcs1v15::verifying_key"]),
    ("ECDSA/SM2 signatures and verifications",
     ["verify_signature", "ecdsa", "Ecdsa", "ecp_nistz256", "p256::", "sm2::", "ring::ec::"]),
    ("SHA-256 / HMAC", ["sha256", "Sha256", "sha2::"]),
    ("SQLite: page reads (pread)", ["readDbPage", "unixRead"]),
    ("SQLite: WAL writes and syncs", ["walWriteToLog", "unixWrite", "unixSync", "walCheckpoint", "sqlite3WalFrames"]),
    ("SQLite: locks (fcntl, busy waits)", ["unixLock", "unixUnlock", "unixShmLock", "sqliteDefaultBusyCallback", "unixSleep", "posixUnlock"]),
    ("SQLite: parsing SQL", ["sqlite3_prepare", "sqlite3LockAndPrepare", "sqlite3RunParser", "sqlite3Prepare"]),
    ("SQLite: executing", ["sqlite3VdbeExec", "sqlite3_step", "sqlite3"]),
    ("sqlx SQLite worker-thread hand-offs (flume channel, park/unpark)",
     ["flume::", "sqlx_sqlite::connection::worker", "std::thread::functions::park", "std::thread::Thread::unpark"]),
    ("sqlx, other", ["sqlx_core", "sqlx_sqlite", "sqlx::"]),
    ("JSON", ["serde_json"]),
    ("HTTP (hyper, axum, tower)", ["hyper::", "axum::", "tower", "h1::"]),
    ("tracing", ["tracing"]),
    # glibc's, then mimalloc's (the server's allocator since session 16).
    ("memory allocation", ["malloc", "_int_free", "cfree", "realloc", "mi_free", "mi_page_", "_mi_"]),
    ("tokio scheduler (park, wake, epoll)", ["tokio::runtime", "epoll", "tokio::"]),
]


def fold(lines):
    counts = collections.Counter()
    stack, comm = [], None
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            if comm is not None and stack:
                counts[";".join([comm] + stack[::-1])] += 1
            stack, comm = [], None
            continue
        if not line.startswith((" ", "\t")):
            comm = line.split()[0]
            continue
        parts = line.strip().split(None, 1)
        if len(parts) < 2:
            continue
        sym = re.sub(r"\s+\([^()]*\)$", "", parts[1])
        sym = re.sub(r"\+0x[0-9a-f]+$", "", sym).replace(";", ":")
        stack.append(sym)
    if comm is not None and stack:
        counts[";".join([comm] + stack[::-1])] += 1
    return counts


def kinds(counts):
    total = sum(counts.values()) or 1
    by = collections.Counter()
    for stack, n in counts.items():
        for frame in reversed(stack.split(";")):
            hit = next((name for name, keys in KINDS if any(k in frame for k in keys)), None)
            if hit:
                by[hit] += n
                break
        else:
            by["other (kernel, libc, the server's own code)"] += n
    return [(name, n, 100.0 * n / total) for name, n in by.most_common()], total


def svg(counts, path, width=1600, row=16):
    tree = {"n": 0, "kids": {}}
    for stack, n in counts.items():
        node = tree
        node["n"] += n
        for frame in stack.split(";"):
            node = node["kids"].setdefault(frame, {"n": 0, "kids": {}})
            node["n"] += n
    depth = [0]

    def walk(node, d):
        depth[0] = max(depth[0], d)
        for kid in node["kids"].values():
            walk(kid, d + 1)

    walk(tree, 0)
    height = (depth[0] + 2) * row
    scale = width / max(tree["n"], 1)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="monospace" font-size="11">']

    def draw(node, name, x, d):
        w = node["n"] * scale
        if w < 0.5:
            return
        y = height - (d + 1) * row
        hue = 20 + (hash(name) % 40)
        label = html.escape(name)
        out.append(f'<g><title>{label} ({node["n"]} samples, {100 * node["n"] / tree["n"]:.2f}%)</title>'
                   f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row - 1}" fill="hsl({hue},90%,60%)"/>')
        chars = int(w / 7)
        if chars >= 3:
            text = name if len(name) <= chars else name[: chars - 2] + ".."
            out.append(f'<text x="{x + 2:.1f}" y="{y + row - 4}">{html.escape(text)}</text>')
        out.append("</g>")
        cx = x
        for kname, kid in sorted(node["kids"].items()):
            draw(kid, kname, cx, d + 1)
            cx += kid["n"] * scale

    draw(tree, "all", 0.0, 0)
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out))


def main():
    if sys.argv[1:] == ["--kinds"]:
        # Shares of an existing .folded file (stdin), e.g. after KINDS changed.
        counts = collections.Counter()
        for line in sys.stdin:
            stack, _, n = line.rstrip("\n").rpartition(" ")
            counts[stack] += int(n)
        rows, total = kinds(counts)
        print(f"{total} samples")
        for name, n, pct in rows:
            print(f"{pct:5.1f}%  {name}")
        return
    stem = sys.argv[1]
    counts = fold(sys.stdin)
    with open(stem + ".folded", "w") as f:
        for stack, n in sorted(counts.items()):
            f.write(f"{stack} {n}\n")
    svg(counts, stem + ".svg")
    rows, total = kinds(counts)
    print(f"{total} samples")
    for name, n, pct in rows:
        print(f"{pct:5.1f}%  {name}")


if __name__ == "__main__":
    main()
