#!/usr/bin/env bash
# The Windows installation, tested for real under Wine (Debian's wine64), in a fresh
# prefix: the release host exe (what users download) is started with no argument, as
# a double-click starts it (CERTRENEW_INSTALL_QUIET=1 only skips the message box), then:
#   - the files in %LOCALAPPDATA%\Programs\certrenew (the exe, byte for byte, and the
#     manifest, nothing else);
#   - `wine reg query` on the Chrome, Edge and Chromium keys under HKCU and the
#     manifest each names: its JSON (name, path, type, allowed_origins);
#   - the "Apps & features" entry and every value of it;
#   - the installed host answers a framed `hello` on stdin, and finds a token driver
#     of the built-in list at its documented Windows path with no configuration;
#   - a second run repairs a deleted key and a deleted manifest;
#   - the entry's UninstallString removes every file and key, and the keys above ours
#     that the installation created.
# The download is first Authenticode-signed (scripts/sign-windows.sh) and the
# signature checked with `osslsigncode verify`. Last, the per-user MSI
# (scripts/build-msi.sh): signed, read with msiinfo, installed and removed with
# `msiexec /qn`, with the same checks of files, keys and hello.
#
#   scripts/test-windows.sh
#
# Needs: wine64, MinGW (builds the one stand-in Wine 8 lacks, see
# native-host/tests/wine/bcryptprimitives.c), python3. Installs what is missing.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
# shellcheck source-path=SCRIPTDIR source=lib/deps.sh
source scripts/lib/deps.sh

deps_apt wine64 wine gcc-mingw-w64-x86-64 python3 osslsigncode wixl msitools
deps_rust_targets x86_64-pc-windows-gnu

target=${CARGO_TARGET_DIR:-target}
exe=$target/x86_64-pc-windows-gnu/release/certrenew-host.exe
# Built by .ci/run's build_windows step; a no-op here when it is fresh.
cargo build --release --target x86_64-pc-windows-gnu -p native-host --locked
dev_id=$(tr -d '[:space:]' <extension/dev-extension-id.txt)
version=$(cargo metadata --no-deps --format-version 1 --locked |
    python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"]=="native-host"))')

work=$(mktemp -d)
export WINEPREFIX=$work/prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
cleanup() {
    wineserver -k 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

failures=0
pass() { echo "  ok   $*"; }
fail() {
    echo "  FAIL $*" >&2
    failures=$((failures + 1))
}
check() { # check DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}

started=$(date +%s)
echo "== windows: a fresh Wine prefix"
t0=$(date +%s)
wineboot -i >/dev/null 2>&1
wineserver -w
echo "  wineboot: $(($(date +%s) - t0)) s"
x86_64-w64-mingw32-gcc -O2 -shared -s -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
    native-host/tests/wine/bcryptprimitives.c -ladvapi32

w() { wine "$@" 2>/dev/null | tr -d '\r'; }
win_env() { w cmd /c echo "%$1%"; }
local_app_data=$(win_env LOCALAPPDATA)
install_win="$local_app_data\\Programs\\certrenew"
install_unix=$(winepath -u "$install_win" 2>/dev/null)
exe_win="$install_win\\certrenew-host.exe"
manifest_win="$install_win\\org.certrenew.host.json"
downloads=$(winepath -u "$(win_env USERPROFILE)\\Downloads" 2>/dev/null)
mkdir -p "$downloads"
download=$downloads/certrenew-host-windows-x86_64.exe

echo "== windows: the download is Authenticode-signed"
# Signed as build-app.sh signs it (the development key unless CERTRENEW_CODESIGN_* is
# set), verified against that key's CA; a changed byte or no signature fails.
scripts/sign-windows.sh "$exe" "$download"
check "osslsigncode verify: the signed download" scripts/sign-windows.sh --verify "$download"
cp "$download" "$work/tampered.exe"
printf 'X' | dd of="$work/tampered.exe" bs=1 seek=4096 conv=notrunc 2>/dev/null
check "osslsigncode verify refuses a changed byte" \
    bash -c '! scripts/sign-windows.sh --verify "$1" 2>/dev/null' _ "$work/tampered.exe"
check "osslsigncode verify refuses the unsigned exe" \
    bash -c '! scripts/sign-windows.sh --verify "$1" 2>/dev/null' _ "$exe"

keys=(
    'HKCU\Software\Google\Chrome\NativeMessagingHosts\org.certrenew.host'
    'HKCU\Software\Microsoft\Edge\NativeMessagingHosts\org.certrenew.host'
    'HKCU\Software\Chromium\NativeMessagingHosts\org.certrenew.host'
)
uninstall_key='HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\certrenew'

# default_value KEY: the key's (Default) string, or nothing when the key is absent or
# cannot be read (then the check that uses it fails and says so). It never fails
# itself: under `set -e` a failed `got=$(…)` would end the script without its summary.
# A failed query is tried once more (once in a dozen runs, wine's first query after
# the install failed).
default_value() {
    local out
    out=$(w reg query "$1" /ve 2>/dev/null) || out=$(w reg query "$1" /ve 2>/dev/null) || true
    sed -n 's/^ *(Default) *REG_SZ *//p' <<<"$out"
}
key_exists() { wine reg query "$1" >/dev/null 2>&1; }
key_absent() { ! key_exists "$1"; }
# value KEY NAME: a value as `reg query` prints it (type and data).
value() { w reg query "$1" /v "$2" | sed -n "s/^ *$2 *//p"; }

double_click() { # the download started with no argument
    (cd "$downloads" && CERTRENEW_INSTALL_QUIET=1 wine "$download" 2>&1 | tr -d '\r')
}

echo "== windows: the download, double-clicked"
if out=$(double_click); then pass "the installer exits 0"; else fail "the installer exits 0: $out"; fi
echo "$out" | sed 's/^/       /'

check "the installed exe is the signed download, byte for byte" cmp -s "$download" "$install_unix/certrenew-host.exe"
listing=$(cd "$install_unix" && ls -A | LC_ALL=C sort | tr '\n' ' ')
check "the folder holds the exe and the manifest only ($listing)" \
    test "$listing" = "certrenew-host.exe org.certrenew.host.json "

check_manifest() {
    python3 - "$install_unix/org.certrenew.host.json" "$exe_win" "chrome-extension://$dev_id/" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1], encoding="utf-8"))
want = {"name": "org.certrenew.host", "path": sys.argv[2], "type": "stdio", "allowed_origins": [sys.argv[3]]}
bad = {k: (m.get(k), v) for k, v in want.items() if m.get(k) != v}
if bad:
    print("       manifest differs (got, want):", bad, file=sys.stderr)
    sys.exit(1)
EOF
}
check "the manifest: name, path of the installed exe, stdio, the extension's origin" check_manifest
for key in "${keys[@]}"; do
    got=$(default_value "$key")
    check "reg query $key -> the manifest ($got)" test "$got" = "$manifest_win"
done

echo "== windows: the Apps & features entry"
check_entry() {
    local name=$1 want=$2 got
    got=$(value "$uninstall_key" "$name")
    check "$name = $want" test "$got" = "$want"
}
check_entry DisplayVersion "REG_SZ    $version"
check_entry Publisher "REG_SZ    certrenew"
check_entry InstallLocation "REG_SZ    $install_win"
check_entry UninstallString "REG_SZ    \"$exe_win\" uninstall"
check_entry QuietUninstallString "REG_SZ    \"$exe_win\" uninstall --quiet"
check_entry NoModify "REG_DWORD    0x1"
check_entry NoRepair "REG_DWORD    0x1"
size=$(value "$uninstall_key" EstimatedSize | sed -n 's/^REG_DWORD *//p')
want_kib=$((($(stat -c %s "$download") + 1023) / 1024))
check "EstimatedSize = the exe's size in KiB ($size)" test "$((size))" -eq "$want_kib"
# `reg query` prints through the console code page; regedit's export is UTF-16.
wine regedit /E "$work/entry.reg" "HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\certrenew" 2>/dev/null
check "DisplayName = certrenew 证书续期助手" \
    grep -q '"DisplayName"="certrenew 证书续期助手"' <(iconv -f UTF-16 -t UTF-8 "$work/entry.reg" | tr -d '\r')

echo "== windows: the installed host answers hello, and finds a driver with no configuration"
# A file at Watchdata's documented path (data/pkcs11-modules.toml): any DLL will do to
# show it is probed and loaded; it is not a PKCS#11 module, so loading reports an error.
system32=$(winepath -u 'C:\windows\system32' 2>/dev/null)
cp "$system32/bcryptprimitives.dll" "$system32/WDPKCS.dll"
hello() {
    python3 - "$@" <<'EOF'
import json, struct, subprocess, sys, os
exe, caller = sys.argv[1], sys.argv[2]
body = json.dumps({"v": 1, "id": "1", "origin": "https://ca.example.com", "cmd": "hello"}).encode()
env = dict(os.environ, CERTRENEW_ALLOW_DEVELOPMENT_EXTENSION="1")
out = subprocess.run(["wine", exe, caller], input=struct.pack("<I", len(body)) + body,
                     capture_output=True, env=env, timeout=60).stdout
n = struct.unpack("<I", out[:4])[0]
answer = json.loads(out[4:4 + n])
print(json.dumps(answer))
EOF
}
answer=$(hello "$install_unix/certrenew-host.exe" "chrome-extension://$dev_id/")
echo "       $answer"
check_hello() {
    python3 - "$answer" "$version" <<'EOF'
import json, sys
a = json.loads(sys.argv[1])
r = a["result"]
assert a["ok"] is True and a["id"] == "1", a
assert r["protocol"] == 1 and r["host_version"] == sys.argv[2], r
assert "hello" in r["capabilities"], r
mods = [m for m in r["modules"] if m["path"].lower().endswith(r"\system32\wdpkcs.dll")]
assert mods and mods[0]["loaded"] is False and mods[0]["error"], r["modules"]
EOF
}
check "hello: ok, protocol 1, version $version, the Watchdata path probed and tried" check_hello
diag=$(CERTRENEW_ALLOW_DEVELOPMENT_EXTENSION=1 w "$install_unix/certrenew-host.exe" diagnose --json)
check "diagnose: Watchdata found, Feitian expected but missing" python3 -c '
import json, sys
d = {p["id"]: p for p in json.loads(sys.argv[1])["drivers"]}
assert d["watchdata"]["found"].lower().endswith(r"\system32\wdpkcs.dll"), d["watchdata"]
assert d["feitian-epass3003"]["found"] is None and d["feitian-epass3003"]["looked_in"], d["feitian-epass3003"]
' "$diag"
rm -f "$system32/WDPKCS.dll"

echo "== windows: run again, it repairs"
wine reg delete "${keys[1]}" /f >/dev/null 2>&1
rm -f "$install_unix/org.certrenew.host.json"
check "the Edge key is gone before the repair" key_absent "${keys[1]}"
if out=$(double_click); then pass "the second run exits 0"; else fail "the second run exits 0: $out"; fi
check "the Edge key is back" test "$(default_value "${keys[1]}")" = "$manifest_win"
check "the manifest is back" check_manifest
check "still one exe and one manifest" \
    test "$(cd "$install_unix" && ls -A | LC_ALL=C sort | tr '\n' ' ')" = "certrenew-host.exe org.certrenew.host.json "

echo "== windows: uninstall, as Apps & features runs it"
uninstall_cmd=$(value "$uninstall_key" UninstallString | sed -n 's/^REG_SZ *"\(.*\)" uninstall$/\1/p')
uninstall_unix=$(winepath -u "$uninstall_cmd" 2>/dev/null)
if out=$(wine "$uninstall_unix" uninstall --quiet 2>&1 | tr -d '\r'); then
    pass "uninstall exits 0"
else
    fail "uninstall exits 0: $out"
fi
# The folder holds the running exe until the process ends: a cmd.exe started by the
# uninstaller removes it a moment later.
for _ in $(seq 1 30); do
    [ -e "$install_unix" ] || break
    sleep 1
done
check "the folder is gone" test ! -e "$install_unix"
for key in "${keys[@]}" "$uninstall_key"; do
    check "no key $key" key_absent "$key"
done
for key in 'HKCU\Software\Chromium' 'HKCU\Software\Google' 'HKCU\Software\Microsoft\Edge'; do
    check "no key $key (created by the installation, removed once empty)" key_absent "$key"
done

echo "== windows: the per-user MSI (wixl), signed, installed and removed by msiexec"
msi=$work/certrenew-host.msi
scripts/build-msi.sh "$msi" >/dev/null
check "osslsigncode verify: the signed MSI" scripts/sign-windows.sh --verify "$msi"
check "msiinfo: the package is the certrenew helper, per user (no elevation)" bash -c '
    info=$(msiinfo suminfo "$1")
    grep -qx "Subject: certrenew helper" <<<"$info" && grep -qx "Source: 10 (a)" <<<"$info"' _ "$msi"
registry_table=$(msiinfo export "$msi" Registry)
for key in "${keys[@]}"; do
    check "msiinfo: the Registry table writes ${key#HKCU\\}" grep -qF "${key#HKCU\\}	" <<<"$registry_table"
done
if out=$(wine msiexec /i "$(winepath -w "$msi" 2>/dev/null)" /qn 2>&1); then pass "msiexec /i /qn exits 0"; else fail "msiexec /i: $out"; fi
check "the MSI installed the exe and the manifest" \
    test "$(cd "$install_unix" 2>/dev/null && ls -A | LC_ALL=C sort | tr '\n' ' ')" = "certrenew-host.exe org.certrenew.host.json "
for key in "${keys[@]}"; do
    got=$(default_value "$key")
    check "MSI: reg query $key -> the manifest" test "$got" = "$manifest_win"
done
check "MSI: the manifest's path is the exe beside it" python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
assert m["path"] == "certrenew-host.exe" and m["allowed_origins"] == [sys.argv[2]], m
' "$install_unix/org.certrenew.host.json" "chrome-extension://$dev_id/"
answer=$(hello "$install_unix/certrenew-host.exe" "chrome-extension://$dev_id/")
check "MSI: the installed host answers hello" python3 -c '
import json, sys
a = json.loads(sys.argv[1]); assert a["ok"] is True and a["result"]["protocol"] == 1, a' "$answer"
if out=$(wine msiexec /x "$(winepath -w "$msi" 2>/dev/null)" /qn 2>&1); then pass "msiexec /x /qn exits 0"; else fail "msiexec /x: $out"; fi
check "MSI uninstalled: the folder is gone" test ! -e "$install_unix"
for key in "${keys[@]}" 'HKCU\Software\certrenew'; do
    check "MSI uninstalled: no key $key" key_absent "$key"
done

echo "== windows: $failures failure(s), $(($(date +%s) - started)) s"
[ "$failures" -eq 0 ]
