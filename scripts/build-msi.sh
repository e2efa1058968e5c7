#!/usr/bin/env bash
# Builds the per-user MSI of the host with wixl (Debian's msitools) and signs it:
#
#   scripts/build-msi.sh OUT.msi
#
# From the release Windows exe (built here if needed), Authenticode-signed first, and
# native-host/packaging/windows/certrenew-host.wxs. The manifest inside comes from
# `certrenew-host manifest --host-path certrenew-host.exe` (a path relative to the
# manifest, which Chrome allows on Windows), so it allows the extension this build
# serves (CERTRENEW_EXTENSION_ID at build time). Signing: scripts/sign-windows.sh.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
# shellcheck source-path=SCRIPTDIR source=lib/deps.sh
source scripts/lib/deps.sh

[ $# -eq 1 ] || { sed -n '2,10s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2; }
out=$(mkdir -p "$(dirname "$1")" && cd "$(dirname "$1")" && pwd)/$(basename "$1")
deps_apt wixl msitools >/dev/null

target=${CARGO_TARGET_DIR:-target}
cargo build --release --target x86_64-pc-windows-gnu -p native-host --locked
cargo build --release -p native-host --locked
version=$("$target/release/certrenew-host" --version | awk '{print $2}')

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# wixl reads sources relative to the .wxs: everything goes in one folder.
cp native-host/packaging/windows/certrenew-host.wxs "$work/"
scripts/sign-windows.sh "$target/x86_64-pc-windows-gnu/release/certrenew-host.exe" "$work/certrenew-host.exe"
"$target/release/certrenew-host" manifest --host-path certrenew-host.exe >"$work/org.certrenew.host.json"
(cd "$work" && wixl -a x64 -D "Version=$version" -D Exe=certrenew-host.exe \
    -D Manifest=org.certrenew.host.json -o host.msi certrenew-host.wxs)
# wixl 0.101 can exit 0 without writing the file (see the .wxs): check.
[ -s "$work/host.msi" ] || { echo "build-msi: wixl wrote no MSI" >&2; exit 1; }
scripts/sign-windows.sh "$work/host.msi" "$out"
echo "build-msi: $out ($(stat -c %s "$out") bytes, version $version)"
