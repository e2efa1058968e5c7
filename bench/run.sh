#!/usr/bin/env bash
# Benchmarks certrenew-host as whole processes, each in the same run as a reference:
#
#   hello            process start -> `hello` answer        (target: median < 10 ms)
#   list             `list_certificates`, token with 20 certificates
#   pkcs11-tool      `pkcs11-tool --list-objects --type cert` on the same token
#                                                            (target: list / pkcs11-tool <= 1.0)
#   hello-no-module  `hello` with no PKCS#11 module configured: the host's own floor
#   pkcs11-tool-info `pkcs11-tool --show-info`: pkcs11-tool's own floor (start, load
#                    and initialise the module, touch no object)
#   /bin/true, sh -c true, sh -c 'exec /bin/true <req >/dev/null'
#                    process-spawn and shell costs on this machine
#
#   bash bench/run.sh
#
# Builds the release host, creates a fresh SoftHSM2 token in a temporary directory
# with 20 EC P-256 key pairs generated on the token and a certificate for each (issued
# by a throwaway software CA), checks once that the host answers correctly, then runs
# hyperfine and writes bench/results/<date>-host[-N].json (hyperfine's JSON) and
# bench/results/<date>-host[-N].txt (the summary printed at the end).
#
# Environment: BENCH_RUNS (default 100), BENCH_WARMUP (default 5); BENCH_KEEP=1 keeps
# the temporary token directory (for profiling by hand).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$REPO/bench
MODULE=/usr/lib/softhsm/libsofthsm2.so
EXT_ORIGIN=chrome-extension://ohfjkjdnkjegijjeajcndblepfapjcnb/
PIN=123456
SO_PIN=12345678
NCERTS=20
RUNS=${BENCH_RUNS:-100}
WARMUP=${BENCH_WARMUP:-5}

say() { printf '== %s\n' "$*" >&2; }
die() { printf 'bench/run.sh: %s\n' "$*" >&2; exit 1; }

# quiet CMD...: runs CMD, showing its output only if it fails.
quiet() {
    local out
    if ! out=$("$@" 2>&1); then
        printf '%s\n' "$out" >&2
        die "failed: $*"
    fi
}

# ---------------------------------------------------------------- tools
need_apt=()
command -v hyperfine >/dev/null || need_apt+=(hyperfine)
command -v softhsm2-util >/dev/null || need_apt+=(softhsm2)
command -v pkcs11-tool >/dev/null || need_apt+=(opensc)
command -v openssl >/dev/null || need_apt+=(openssl)
command -v python3 >/dev/null || need_apt+=(python3)
if [ ${#need_apt[@]} -gt 0 ]; then
    say "installing ${need_apt[*]}"
    SUDO=
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
[ -r "$MODULE" ] || die "no SoftHSM2 module at $MODULE"
command -v cargo >/dev/null || die "cargo not found"

# hyperfine >= 1.16 can feed stdin itself (--input); older ones need a shell for the
# redirection, whose cost is then measured too (sh -c true, and the same wrapper
# around /bin/true).
HF_VERSION=$(hyperfine --version | awk '{print $2}')
if [ "$(printf '%s\n1.16.0\n' "$HF_VERSION" | sort -V | head -1)" = 1.16.0 ]; then
    HF_INPUT=1
else
    HF_INPUT=0
fi

# ---------------------------------------------------------------- build
say "cargo build --release -p native-host"
(cd "$REPO" && cargo build --release --quiet -p native-host)
TARGET_DIR=$(cd "$REPO" && cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
HOST=$TARGET_DIR/release/certrenew-host
[ -x "$HOST" ] || die "no binary at $HOST"

# ---------------------------------------------------------------- token
WORK=$(mktemp -d "${TMPDIR:-/tmp}/certrenew-bench.XXXXXX")
if [ -n "${BENCH_KEEP:-}" ]; then
    trap 'say "kept $WORK (SOFTHSM2_CONF=$WORK/softhsm2.conf)"' EXIT
else
    trap 'rm -rf "$WORK"' EXIT
fi
mkdir -p "$WORK/tokens" "$WORK/certs"
cat >"$WORK/softhsm2.conf" <<EOF
directories.tokendir = $WORK/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
EOF
export SOFTHSM2_CONF=$WORK/softhsm2.conf
# The release host serves the development extension id below only when told to.
printf 'modules = []\nallow_development_extension = true\n' >"$WORK/host.toml"
export CERTRENEW_HOST_CONFIG=$WORK/host.toml
export CERTRENEW_PKCS11_MODULES=$MODULE

say "token 'bench' with $NCERTS EC P-256 key pairs and certificates in $WORK"
quiet softhsm2-util --init-token --free --label bench --pin "$PIN" --so-pin "$SO_PIN"
quiet openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$WORK/ca.key" -out "$WORK/ca.pem" -days 3650 \
    -subj "/C=CN/O=certrenew bench/CN=certrenew Bench CA"
P11=(pkcs11-tool --module "$MODULE" --token-label bench)
for i in $(seq 1 "$NCERTS"); do
    id=$(printf '%02x' "$i")
    quiet "${P11[@]}" --login --pin "$PIN" --keypairgen --key-type EC:prime256v1 \
        --id "$id" --label "bench key $id"
    # The certificate carries the token key's public key, so the host sees a real
    # certificate + private key pair, as on a user's token.
    quiet "${P11[@]}" --read-object --type pubkey --id "$id" -o "$WORK/pub$id.der"
    quiet openssl pkey -pubin -inform DER -in "$WORK/pub$id.der" -out "$WORK/pub$id.pem"
    quiet openssl x509 -new -subj "/C=CN/O=测试医药有限公司/CN=Bench Holder $id" \
        -force_pubkey "$WORK/pub$id.pem" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" \
        -set_serial "$((0x1000 + i))" -days 365 -outform DER -out "$WORK/certs/$id.der"
    quiet "${P11[@]}" --login --pin "$PIN" --write-object "$WORK/certs/$id.der" \
        --type cert --id "$id" --label "bench cert $id"
done

# ---------------------------------------------------------------- requests
python3 - "$WORK" <<'EOF'
import json, struct, sys
work = sys.argv[1]
for cmd in ("hello", "list_certificates"):
    body = json.dumps({"v": 1, "id": "1", "origin": "https://ca.example.com",
                       "cmd": cmd}, separators=(",", ":")).encode()
    with open(f"{work}/{cmd}.bin", "wb") as f:
        f.write(struct.pack("<I", len(body)) + body)
EOF

# ---------------------------------------------------------------- correctness, once
say "checking the answers once before timing"
"$HOST" "$EXT_ORIGIN" <"$WORK/hello.bin" >"$WORK/hello.out"
CERTRENEW_PKCS11_MODULES='' "$HOST" "$EXT_ORIGIN" <"$WORK/hello.bin" >"$WORK/hello0.out"
"$HOST" "$EXT_ORIGIN" <"$WORK/list_certificates.bin" >"$WORK/list.out"
"${P11[@]}" --list-objects --type cert >"$WORK/p11.out" 2>&1
python3 - "$WORK" "$NCERTS" "$MODULE" <<'EOF'
import base64, glob, hashlib, json, os, struct, sys
work, n, module = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def frames(path):
    data = open(path, "rb").read()
    out = []
    while data:
        (length,) = struct.unpack("<I", data[:4])
        body = data[4:4 + length]
        if len(body) != length:
            sys.exit(f"{path}: truncated frame")
        out.append(json.loads(body.decode("utf-8")))
        data = data[4 + length:]
    return out

def one(path):
    answers = frames(path)
    if len(answers) != 1:
        sys.exit(f"{path}: {len(answers)} answers, expected 1")
    a = answers[0]
    if a.get("v") != 1 or a.get("id") != "1" or a.get("ok") is not True:
        sys.exit(f"{path}: not a success: {json.dumps(a)[:500]}")
    return a["result"]

hello = one(f"{work}/hello.out")
mods = [m for m in hello.get("modules", []) if m.get("path") == module]
if not mods or not mods[0].get("loaded"):
    sys.exit(f"hello: module {module} not loaded: {hello.get('modules')}")

hello0 = one(f"{work}/hello0.out")
if hello0.get("modules"):
    sys.exit(f"hello without modules: still has modules {hello0['modules']}")

listing = one(f"{work}/list.out")
tokens = [t for t in listing["tokens"] if t["token"]["label"] == "bench"]
if len(tokens) != 1:
    sys.exit(f"list_certificates: {len(tokens)} tokens labelled 'bench'")
certs = tokens[0]["certificates"]
want = {hashlib.sha256(open(p, "rb").read()).hexdigest()
        for p in glob.glob(f"{work}/certs/*.der")}
got = {c["sha256"] for c in certs}
if len(certs) != n or got != want:
    sys.exit(f"list_certificates: {len(certs)} certificates, expected these {n}: "
             f"missing {sorted(want - got)}, unexpected {sorted(got - want)}")
for c in certs:
    if hashlib.sha256(base64.b64decode(c["der"])).hexdigest() != c["sha256"]:
        sys.exit(f"list_certificates: der and sha256 disagree for {c['sha256']}")
    if not c["has_private_key"]:
        sys.exit(f"list_certificates: {c['key_id']} has no private key")
    if "Bench Holder" not in c["subject"]:
        sys.exit(f"list_certificates: odd subject {c['subject']!r}")

p11 = open(f"{work}/p11.out", encoding="utf-8", errors="replace").read()
k = p11.count("Certificate Object")
if k != n:
    sys.exit(f"pkcs11-tool lists {k} certificates, expected {n}")
print(f"ok: hello loads the module (and answers without one); list_certificates returns {n} certificates "
      f"(all with their private key, {os.path.getsize(work + '/list.out')} bytes); "
      f"pkcs11-tool lists {n}", file=sys.stderr)
EOF

# ---------------------------------------------------------------- timing
mkdir -p "$BENCH/results"
STEM=$BENCH/results/$(date -u +%F)-host
n=1
OUT=$STEM
while [ -e "$OUT.json" ]; do
    n=$((n + 1))
    OUT=$STEM-$n
done

# Commands must not contain single quotes: hyperfine -N splits them like a shell.
HELLO_REQ=$WORK/hello.bin
LIST_REQ=$WORK/list_certificates.bin
P11_CMD="pkcs11-tool --module $MODULE --list-objects --type cert"
# pkcs11-tool's floor: start, load and initialise the module, print the module info.
P11_INFO="pkcs11-tool --module $MODULE --show-info"
HF=(hyperfine --warmup "$WARMUP" --runs "$RUNS" --style basic)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
if [ "$HF_INPUT" -eq 1 ]; then
    # --input is one file for a whole hyperfine invocation: one invocation per
    # request, then the exports are merged into one file.
    say "hyperfine $HF_VERSION (stdin with --input), $RUNS runs after $WARMUP warm-up runs each"
    "${HF[@]}" -N --export-json "$WORK/hf-true.json" -n true "/bin/true" >&2
    "${HF[@]}" -N --export-json "$WORK/hf-hello.json" --input "$HELLO_REQ" \
        -n hello "$HOST $EXT_ORIGIN" >&2
    "${HF[@]}" -N --export-json "$WORK/hf-list.json" --input "$LIST_REQ" \
        -n list "$HOST $EXT_ORIGIN" >&2
    CERTRENEW_PKCS11_MODULES='' "${HF[@]}" -N --export-json "$WORK/hf-nomod.json" \
        --input "$HELLO_REQ" -n hello-no-module "$HOST $EXT_ORIGIN" >&2
    "${HF[@]}" -N --export-json "$WORK/hf-p11.json" \
        -n pkcs11-tool "$P11_CMD" -n pkcs11-tool-info "$P11_INFO" >&2
    python3 - "$OUT.json" "$WORK"/hf-{true,hello,list,nomod,p11}.json <<'EOF'
import json, sys
results = []
for path in sys.argv[2:]:
    results += json.load(open(path))["results"]
json.dump({"results": results}, open(sys.argv[1], "w"), indent=2)
EOF
else
    # Without --input the host needs a shell for its stdin: the same sh wrapper
    # (exec + redirections) goes around every process that is compared, and its
    # cost is measured on /bin/true.
    say "hyperfine $HF_VERSION (no --input: sh wrapper), $RUNS runs after $WARMUP warm-up runs each"
    "${HF[@]}" -N --export-json "$OUT.json" \
        -n true "/bin/true" \
        -n sh-true "sh -c true" \
        -n sh-exec-true "sh -c 'exec /bin/true < $HELLO_REQ > /dev/null'" \
        -n hello "sh -c 'exec $HOST $EXT_ORIGIN < $HELLO_REQ > /dev/null'" \
        -n list "sh -c 'exec $HOST $EXT_ORIGIN < $LIST_REQ > /dev/null'" \
        -n hello-no-module \
        "sh -c 'CERTRENEW_PKCS11_MODULES= exec $HOST $EXT_ORIGIN < $HELLO_REQ > /dev/null'" \
        -n pkcs11-tool "sh -c 'exec $P11_CMD > /dev/null'" \
        -n pkcs11-tool-info "sh -c 'exec $P11_INFO > /dev/null'" \
        -n pkcs11-tool-direct "$P11_CMD" >&2
fi
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
say "results in ${OUT#"$REPO"/}.json"

# ---------------------------------------------------------------- summary
CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
python3 - "$OUT.json" "$HF_VERSION" "$(nproc)" "$CPU" "$LOAD_BEFORE" "$LOAD_AFTER" \
    "$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
    "$(if git -C "$REPO" status --porcelain 2>/dev/null | grep -q .; then echo ' (with uncommitted changes)'; fi)" \
    <<'EOF' | tee "$OUT.txt"
import datetime, json, sys
path, hf, ncpu, cpu, load0, load1, commit, dirty = sys.argv[1:9]
res = {r["command"]: r for r in json.load(open(path))["results"]}
ms = lambda s: s * 1000.0

print(f"certrenew-host benchmark, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC")
print(f"commit {commit}{dirty}; hyperfine {hf}; {ncpu} CPUs ({cpu}); "
      f"load average {load0} before, {load1} after")
print(f"results: bench/{path.split('/bench/', 1)[-1]}")
print()
print(f"{'command':<20}{'median':>10}{'mean':>10}{'σ':>9}{'min':>10}{'max':>10}   (ms)")
for name, r in res.items():
    print(f"{name:<20}{ms(r['median']):>10.2f}{ms(r['mean']):>10.2f}{ms(r['stddev']):>9.2f}"
          f"{ms(r['min']):>10.2f}{ms(r['max']):>10.2f}")
print()

med = {k: r["median"] for k, r in res.items()}
verdict = lambda ok: "MET" if ok else "NOT MET"
hello, lst, p11 = med["hello"], med["list"], med["pkcs11-tool"]
ratio = lst / p11
how = "through the same sh wrapper" if "sh-exec-true" in med else "with hyperfine --input"
print(f"hello: median {ms(hello):.2f} ms (target < 10 ms): {verdict(hello < 0.010)}")
print(f"list / pkcs11-tool, {how}: {ms(lst):.2f} / {ms(p11):.2f} ms = {ratio:.3f} "
      f"(target <= 1.0): {verdict(ratio <= 1.0)}")
mins = {k: r["min"] for k, r in res.items()}
print(f"minimums (least disturbed by other load): hello {ms(mins['hello']):.2f} ms, "
      f"list / pkcs11-tool {ms(mins['list']):.2f} / {ms(mins['pkcs11-tool']):.2f} ms "
      f"= {mins['list'] / mins['pkcs11-tool']:.3f}")
if "sh-exec-true" in med:
    wrap = mins["sh-exec-true"] - mins["true"]
    print(f"the sh wrapper costs about {ms(wrap):.2f} ms (min sh-exec-true - min /bin/true), "
          f"included in every sh-wrapped figure; hello median less that: {ms(hello - wrap):.2f} ms")
EOF
