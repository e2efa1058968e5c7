#!/usr/bin/env bash
# Builds the web app (app/) into dist/ with Trunk, offline, and puts the host downloads
# the setup page links to into dist/downloads/.
#
#   scripts/build-app.sh [--force] [--dist DIR]
#
# Text and wasm files get .gz siblings (gzip -9) for certrenew-server to send as they
# are. Installs what is missing first (scripts/lib/deps.sh: the wasm32 target, Trunk,
# wasm-bindgen-cli at the version in Cargo.lock, wasm-opt from tools/). Skips Trunk
# when the app's inputs (app/, protocol/, the lock file, Trunk.toml, the page library,
# the tool versions) are the ones dist/ was built from; --force builds anyway.
# The downloads are refreshed every time, release builds only (built here):
#   certrenew-host-linux-x86_64          target/release/certrenew-host
#   certrenew-host-windows-x86_64.exe    target/x86_64-pc-windows-gnu/release/
#                                        certrenew-host.exe, when the rustup target
#                                        and the MinGW linker are installed,
#                                        Authenticode-signed (scripts/sign-windows.sh:
#                                        CERTRENEW_CODESIGN_* names the CA's key)
#   certrenew-host-windows-x86_64.msi    the per-user MSI (scripts/build-msi.sh), signed
#   certrenew-host-linux-amd64.deb       the Debian package (scripts/build-deb.sh)
# CERTRENEW_EXTENSION_ID=<production extension id> is built into them: a release host
# serves only that extension (without it, it refuses to start until allowed_extensions
# is set in its host.toml; the development extension's key is public).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
# shellcheck source-path=SCRIPTDIR source=lib/deps.sh
source scripts/lib/deps.sh

force=
DIST=$REPO/dist
while [ $# -gt 0 ]; do
    case "$1" in
        --force) force=1; shift ;;
        --dist)
            [ $# -ge 2 ] || { echo "build-app.sh: --dist wants a directory" >&2; exit 2; }
            DIST=$(mkdir -p "$2" && cd "$2" && pwd)
            shift 2
            ;;
        -h | --help) sed -n '2,23s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "build-app.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

deps_web_tools
cargo_bin=$(_deps_cargo_bin)
export PATH="$REPO/tools/node_modules/.bin:$cargo_bin:$PATH"

# What dist/ is made from: a change to any of these rebuilds it.
inputs_digest() {
    {
        find app protocol patches -type f -not -path '*/target/*' | LC_ALL=C sort |
            xargs sha256sum
        sha256sum Cargo.lock Cargo.toml Trunk.toml .cargo/config.toml extension/page/certrenew-page.js \
            scripts/lib/externalize-loader.mjs
        trunk --version
        wasm-bindgen --version
        wasm-opt --version
        rustc --version
    } | sha256sum | cut -d' ' -f1
}

# Every bundle, parents before the bundles nested in them: app/<name>.html (its
# data-bin names the binary) built into dist/<folder>/, which certrenew-server serves
# for the routes under /<folder> (`_`: any one segment, server/src/app.rs index_for).
BUNDLES=(
    index:.
    setup:setup
    apply:apply
    renewals:renewals
    renewals-pay:renewals/_/pay
    renewals-paying:renewals/_/paying
    renewals-install:renewals/_/install
    admin:admin
    admin-renewal:admin/renewals
    admin-expired:admin/expired
    admin-reconciliation:admin/reconciliation
    admin-renewal-history:admin/renewals/_/history
    admin-renewal-finance:admin/renewals/_/finance
    admin-renewal-certificate:admin/renewals/_/certificate
    admin-renewal-expired:admin/renewals/_/expired
    expired:expired
    expired-application:expired/_
    expired-details:expired/_/details
    expired-form:expired/_/form
)
# A bundle's folder in $DIST.
bundle_dir() {
    if [ "${1#*:}" = . ]; then echo "$DIST"; else echo "$DIST/${1#*:}"; fi
}

stamp=$DIST/.build-inputs
digest=$(inputs_digest)
if [ -z "$force" ] && [ -f "$DIST/index.html" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ]; then
    echo "build-app: $DIST is up to date (--force rebuilds)"
else
    cargo fetch --locked
    started=$(date +%s)
    # Trunk.toml: release, offline, the pinned tool versions; cargo runs --locked via
    # the fetched lock file (Trunk passes no --locked itself, so check it here first).
    cargo metadata --locked --format-version 1 >/dev/null
    # The bundles (BUNDLES above), so a page downloads only its own route's code
    # (app/src/lib.rs). One cargo run builds all their wasm binaries as Trunk would
    # (same target, profile and flags): the library once, the LTO links side by side.
    # Trunk then finds them fresh and only runs wasm-bindgen and wasm-opt. This halves
    # the build on two cores (bench/README.md, "Build time").
    cargo build --target wasm32-unknown-unknown -p app --profile wasm-release --bins --locked
    # Trunk replaces its whole --dist folder, so a folder is built before the bundles
    # nested in it: the root first, then one depth after the other, two bundles at a
    # time (xargs fails if any does).
    trunk build app/index.html --release --dist "$DIST" --public-url /
    for depth in 1 2 3 4; do
        for bundle in "${BUNDLES[@]}"; do
            folder=${bundle#*:}
            slashes=${folder//[!\/]/}
            if [ "$folder" != . ] && [ $((${#slashes} + 1)) -eq "$depth" ]; then
                echo "$bundle"
            fi
        done | xargs -r -P 2 -I '{}' sh -c \
            'trunk build "app/${1%%:*}.html" --release --dist "$2/${1#*:}" --public-url "/${1#*:}/"' \
            sh '{}' "$DIST"
    done
    # Trunk's loader is an inline module script: moved into a file so the server's CSP
    # needs no 'unsafe-inline' (server/src/security_headers.rs). Then each bundle's
    # text files get their .gz sibling, gzip -9, which certrenew-server sends to
    # browsers that accept gzip (the wasm shrinks to about a third); compressed once
    # here, never per request.
    for bundle in "${BUNDLES[@]}"; do
        dir=$(bundle_dir "$bundle")
        node scripts/lib/externalize-loader.mjs "$dir" "${dir#"$DIST"}/"
        find "$dir" -maxdepth 1 -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' \) \
            -exec gzip -9 -k -f -n {} +
    done
    echo "$digest" >"$stamp"
    echo "build-app: built in $(($(date +%s) - started)) s"
fi

# --- host downloads -----------------------------------------------------------------
# Only release builds go out: a debug host trusts the development extension, whose
# signing key is in this repository.
if [ -n "${CERTRENEW_EXTENSION_ID:-}" ]; then
    [[ "$CERTRENEW_EXTENSION_ID" =~ ^[a-p]{32}$ ]] || {
        echo "build-app.sh: CERTRENEW_EXTENSION_ID must be an extension id (32 letters a-p)" >&2
        exit 2
    }
    if [ "$CERTRENEW_EXTENSION_ID" = "$(tr -d '[:space:]' <extension/dev-extension-id.txt)" ]; then
        echo "build-app.sh: CERTRENEW_EXTENSION_ID is the development extension's id; give the production one" >&2
        exit 2
    fi
    export CERTRENEW_EXTENSION_ID
    echo "build-app: host downloads serve the extension $CERTRENEW_EXTENSION_ID"
else
    unset CERTRENEW_EXTENSION_ID # set but empty: none
    echo "build-app: warning: no CERTRENEW_EXTENSION_ID; the downloaded hosts refuse to start until allowed_extensions is set in their host.toml" >&2
fi

cargo build --release -p native-host --locked
mkdir -p "$DIST/downloads"
target=${CARGO_TARGET_DIR:-target}
install -m 0755 "$target/release/certrenew-host" "$DIST/downloads/certrenew-host-linux-x86_64"
echo "build-app: downloads/certrenew-host-linux-x86_64 from $target/release/certrenew-host"
windows=$target/x86_64-pc-windows-gnu/release/certrenew-host.exe
rm -f "$DIST/downloads/certrenew-host-windows-x86_64.exe" "$DIST/downloads/certrenew-host-windows-x86_64.msi"
if rustup target list --installed 2>/dev/null | grep -qx x86_64-pc-windows-gnu &&
    command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1; then
    cargo build --release --target x86_64-pc-windows-gnu -p native-host --locked
    # Authenticode-signed with the CA's key (CERTRENEW_CODESIGN_*; the development
    # key, with a warning, when none is given): scripts/sign-windows.sh.
    scripts/sign-windows.sh "$windows" "$DIST/downloads/certrenew-host-windows-x86_64.exe"
    chmod 0644 "$DIST/downloads/certrenew-host-windows-x86_64.exe"
    echo "build-app: downloads/certrenew-host-windows-x86_64.exe from $windows, signed ($(stat -c %s "$DIST/downloads/certrenew-host-windows-x86_64.exe") bytes)"
    # The per-user MSI for IT departments (wixl), signed the same way.
    scripts/build-msi.sh "$DIST/downloads/certrenew-host-windows-x86_64.msi"
    chmod 0644 "$DIST/downloads/certrenew-host-windows-x86_64.msi"
else
    echo "build-app: no Windows host (needs: rustup target add x86_64-pc-windows-gnu; apt-get install gcc-mingw-w64-x86-64)"
fi

# The Linux package (cargo-deb; lintian-clean): what the setup page offers on Linux.
scripts/build-deb.sh
install -m 0644 "$target/debian/certrenew-host_$("$target/release/certrenew-host" --version | awk '{print $2}')-1_amd64.deb" \
    "$DIST/downloads/certrenew-host-linux-amd64.deb"
echo "build-app: downloads/certrenew-host-linux-amd64.deb (scripts/build-deb.sh)"
# The same package in a signed apt repository (scripts/sign-deb.sh, docs/install.md).
scripts/sign-deb.sh --repo "$DIST/downloads/apt" "$DIST/downloads/certrenew-host-linux-amd64.deb"

for bundle in "${BUNDLES[@]}"; do
    for wasm in "$(bundle_dir "$bundle")"/*.wasm; do
        echo "build-app: ${wasm#"$DIST"/}: $(stat -c %s "$wasm") bytes, $(gzip -9 -c "$wasm" | wc -c) gzipped"
    done
done
