#!/usr/bin/env bash
# Builds the Linux package of the host with cargo-deb and checks it with lintian:
#
#   scripts/build-deb.sh [--arch amd64|arm64]     (default: amd64)
#   scripts/build-deb.sh --tools-only             install cargo-deb and lintian, build nothing
#
# The package holds /usr/bin/certrenew-host (a release build) and its manifest in the
# three places Chrome, Chromium and Edge read machine-wide:
#   /etc/opt/chrome/native-messaging-hosts/org.certrenew.host.json
#   /etc/chromium/native-messaging-hosts/org.certrenew.host.json
#   /etc/opt/edge/native-messaging-hosts/org.certrenew.host.json
# (conffiles: `dpkg --purge` removes them). The manifests come from `certrenew-host
# manifest`, so they allow the extension this build serves: CERTRENEW_EXTENSION_ID
# at build time, as for scripts/build-app.sh. arm64 (统信 UOS, 麒麟 desktops) is
# cross-compiled with Debian's gcc-aarch64-linux-gnu.
# Output: target/debian/certrenew-host_<version>-1_<arch>.deb; fails on any lintian
# error (E:).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
# shellcheck source-path=SCRIPTDIR source=lib/deps.sh
source scripts/lib/deps.sh

# The cargo-deb release the package is built with.
CARGO_DEB_VERSION=3.8.0

arch=amd64
tools_only=
while [ $# -gt 0 ]; do
    case "$1" in
        --arch)
            arch=${2:-}
            shift 2 || true
            ;;
        --tools-only) tools_only=1; shift ;;
        -h | --help) sed -n '2,18s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "build-deb.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

deps_apt lintian dpkg-dev
if [ "$(cargo deb --version 2>/dev/null | awk '{print $NF}')" != "$CARGO_DEB_VERSION" ]; then
    echo "cargo-deb: installing $CARGO_DEB_VERSION"
    cargo install --locked "cargo-deb@$CARGO_DEB_VERSION"
fi
[ -z "$tools_only" ] || exit 0

target_args=()
case "$arch" in
    amd64) ;;
    arm64)
        deps_apt gcc-aarch64-linux-gnu libc6-dev-arm64-cross
        deps_rust_targets aarch64-unknown-linux-gnu
        export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
        target_args=(--target aarch64-unknown-linux-gnu)
        ;;
    *) echo "build-deb.sh: --arch is amd64 or arm64" >&2; exit 2 ;;
esac

target=${CARGO_TARGET_DIR:-target}
# The manifests, written by this machine's build of the host (the same for every
# architecture: only the path and the allowed extensions are in them).
cargo build --release -p native-host --locked
mkdir -p "$REPO/target/deb-assets"
"$target/release/certrenew-host" manifest --host-path /usr/bin/certrenew-host \
    >"$REPO/target/deb-assets/org.certrenew.host.json"
version=$("$target/release/certrenew-host" --version | awk '{print $2}')
cat >"$REPO/target/deb-assets/changelog" <<CHANGELOG
certrenew-host ($version-1) unstable; urgency=medium

  * certrenew-host $version: the host and its Chrome, Chromium and Edge manifests.

 -- certrenew maintainers <maintainers@certrenew.invalid>  $(date -R -u -d "@${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}")
CHANGELOG
[ "$arch" = amd64 ] || cargo build --release -p native-host --locked "${target_args[@]}"

deb=$(cargo deb -p native-host --no-build --locked "${target_args[@]}" --output "$target/debian/" | tail -n 1)
echo "build-deb: $deb ($(stat -c %s "$deb") bytes)"
# lintian: errors fail the build; warnings are shown.
lintian_out=$(lintian --tag-display-limit 0 "$deb" 2>&1 || true)
[ -z "$lintian_out" ] || sed 's/^/lintian: /' <<<"$lintian_out"
if grep -q '^E:' <<<"$lintian_out"; then
    echo "build-deb: lintian found errors in $deb" >&2
    exit 1
fi
echo "build-deb: lintian: no error"
