#!/usr/bin/env bash
# The Linux package, installed for real (as root) with dpkg and removed again:
#   - build it (scripts/build-deb.sh: cargo-deb, lintian without error);
#   - `dpkg -i`: /usr/bin/certrenew-host runs; the three machine-wide manifests (Chrome,
#     Chromium, Edge) name it and the extension; `certrenew-host diagnose` finds the
#     registrations with no problem; the packaged host answers a framed `hello`;
#   - `dpkg --purge`: the binary and every manifest are gone;
#   - signed (scripts/sign-deb.sh): a flat apt repository whose Release is signed; apt
#     accepts it with signed-by the signing key and downloads the package with the
#     signed SHA-256, refuses it with another key, and refuses a package with one byte
#     changed;
#   - with CERTRENEW_DEB_ALL_ARCH=1 only: the arm64 package builds (cross, lintian
#     without error) with an AArch64 binary. The CI/test lane builds and lints amd64
#     only (the cross build costs about 4 minutes of CI); releases build arm64 with
#     `scripts/build-deb.sh --arch arm64`.
# The browser journey against the host this package installs is
# tests/e2e/deb-install.test.js, in the browser lane (after this script has purged the
# package): it downloads the package from the setup page (dist/downloads/, from
# scripts/build-app.sh), installs it with `dpkg -i`, finds the host through
# /etc/chromium/native-messaging-hosts/ only (its profile registers none), and purges it.
# The package is installed only for the seconds the checks take: a machine-wide
# manifest would be seen by every Chromium on the machine.
#
#   scripts/test-deb.sh                           amd64
#   CERTRENEW_DEB_ALL_ARCH=1 scripts/test-deb.sh  amd64 and arm64
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
# shellcheck source-path=SCRIPTDIR source=lib/deps.sh
source scripts/lib/deps.sh
deps_apt python3

scripts/build-deb.sh
target=${CARGO_TARGET_DIR:-target}
version=$("$target/release/certrenew-host" --version | awk '{print $2}')
deb=$target/debian/certrenew-host_${version}-1_amd64.deb
dev_id=$(tr -d '[:space:]' <extension/dev-extension-id.txt)
manifests=(
    /etc/opt/chrome/native-messaging-hosts/org.certrenew.host.json
    /etc/chromium/native-messaging-hosts/org.certrenew.host.json
    /etc/opt/edge/native-messaging-hosts/org.certrenew.host.json
)

failures=0
check() {
    local what=$1
    shift
    if "$@"; then echo "  ok   $what"; else echo "  FAIL $what" >&2; failures=$((failures + 1)); fi
}
purge() { dpkg --purge certrenew-host >/dev/null 2>&1 || true; }
trap purge EXIT
purge

echo "== deb: signed apt repository (scripts/sign-deb.sh)"
repo=$target/debian/apt
scripts/sign-deb.sh --repo "$repo" "$deb" >/dev/null
check "apt verifies the signed Release and the package's SHA-256" scripts/sign-deb.sh --verify "$repo"
other=$(mktemp -d)
chmod 700 "$other"
GNUPGHOME=$other gpg --batch --quiet --passphrase '' --quick-gen-key "another key <other@certrenew.invalid>" ed25519 sign 1d
GNUPGHOME=$other gpg --batch --quiet -o "$other/other.gpg" --export
check "apt refuses the repository with another key (NO_PUBKEY)" \
    bash -c '! out=$(scripts/sign-deb.sh --verify "$1" "$2" 2>&1) && grep -q NO_PUBKEY <<<"$out"' _ "$repo" "$other/other.gpg"
changed=$(mktemp -d)
cp -r "$repo/." "$changed/"
pkg=$(find "$changed" -name '*.deb' | head -n 1)
python3 - "$pkg" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
data[-1] ^= 1
open(sys.argv[1], "wb").write(bytes(data))
PY
check "apt refuses a package with one byte changed (Hash Sum mismatch)" \
    bash -c '! out=$(scripts/sign-deb.sh --verify "$1" 2>&1) && grep -q "Hash Sum mismatch" <<<"$out"' _ "$changed"
rm -rf "$other" "$changed"

echo "== deb: dpkg -i $deb"
dpkg -i "$deb" >/dev/null
check "certrenew-host --version is $version" test "$(certrenew-host --version)" = "certrenew-host $version"
check "the binary is /usr/bin/certrenew-host" test "$(command -v certrenew-host)" = /usr/bin/certrenew-host
for m in "${manifests[@]}"; do
    check "$m names /usr/bin/certrenew-host and the extension" python3 - "$m" "chrome-extension://$dev_id/" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
assert m["name"] == "org.certrenew.host" and m["type"] == "stdio", m
assert m["path"] == "/usr/bin/certrenew-host", m
assert m["allowed_origins"] == [sys.argv[2]], m
PY
done
report=$(env -u XDG_CONFIG_HOME HOME="$(mktemp -d)" CERTRENEW_ALLOW_DEVELOPMENT_EXTENSION=1 certrenew-host diagnose --json)
check "diagnose: the three system registrations, no problem" python3 -c '
import json, sys
regs = [r for r in json.loads(sys.argv[1])["registrations"] if r["scope"] == "system"]
assert sorted(r["browser"] for r in regs if r["present"]) == ["chrome", "chromium", "edge"], regs
assert all(r["problem"] is None and r["host_path_exists"] for r in regs), regs
' "$report"
check "the packaged host answers hello" python3 - "chrome-extension://$dev_id/" <<'PY'
import json, os, struct, subprocess, sys
body = json.dumps({"v": 1, "id": "1", "origin": "https://ca.example.com", "cmd": "hello"}).encode()
env = dict(os.environ, CERTRENEW_ALLOW_DEVELOPMENT_EXTENSION="1")
out = subprocess.run(["/usr/bin/certrenew-host", sys.argv[1]], input=struct.pack("<I", len(body)) + body,
                     capture_output=True, env=env, timeout=30).stdout
answer = json.loads(out[4:4 + struct.unpack("<I", out[:4])[0]])
assert answer["ok"] is True and answer["result"]["protocol"] == 1, answer
PY

echo "== deb: dpkg --purge"
dpkg --purge certrenew-host >/dev/null
check "the binary is gone" test ! -e /usr/bin/certrenew-host
for m in "${manifests[@]}"; do
    check "$m is gone" test ! -e "$m"
done
check "dpkg knows no certrenew-host" bash -c '! dpkg -s certrenew-host >/dev/null 2>&1'

if [ "${CERTRENEW_DEB_ALL_ARCH:-}" = 1 ]; then
    echo "== deb: the arm64 package (cross-compiled with gcc-aarch64-linux-gnu)"
    scripts/build-deb.sh --arch arm64
    arm=$target/debian/certrenew-host_${version}-1_arm64.deb
    check "dpkg-deb: Architecture arm64" test "$(dpkg-deb -f "$arm" Architecture)" = arm64
    extract=$(mktemp -d)
    dpkg-deb -x "$arm" "$extract"
    check "its /usr/bin/certrenew-host is an AArch64 ELF" \
        bash -c 'readelf -h "$1" | grep -q "Machine:.*AArch64"' _ "$extract/usr/bin/certrenew-host"
    check "it carries the three manifests" test "$(find "$extract/etc" -name org.certrenew.host.json | wc -l)" -eq 3
    rm -rf "$extract"
else
    echo "== deb: arm64 skipped (CERTRENEW_DEB_ALL_ARCH=1 builds and checks it too)"
fi

echo "== deb: $failures failure(s)"
[ "$failures" -eq 0 ]
