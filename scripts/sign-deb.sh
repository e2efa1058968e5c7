#!/usr/bin/env bash
# Signs the Linux packages the way Debian users verify them: a flat apt repository whose
# Release file is signed with OpenPGP (InRelease and Release.gpg). apt checks that
# signature on every `apt update` against the key the source names with `signed-by`
# (sources.list(5), apt-secure(8)) and each package's SHA-256 against the signed
# Packages index, so a changed byte is refused. dpkg itself checks no signature on a
# .deb (Debian's /etc/dpkg/dpkg.cfg says `no-debsig`; dpkg-sig is no longer in Debian),
# so an embedded debsigs signature would go unchecked on a user's machine.
#
#   scripts/sign-deb.sh --repo DIR DEB...   (re)build the repository in DIR: the .debs,
#                                           Packages(.gz), Release, InRelease, Release.gpg
#                                           and certrenew-archive-keyring.gpg (the public key)
#   scripts/sign-deb.sh --verify DIR [KEYRING]
#                                           apt update against DIR with signed-by=KEYRING
#                                           (default: DIR's own key), then apt downloads
#                                           each package and its SHA-256 is checked
#
# The key is the CA's OpenPGP signing key, given by the environment:
#   CERTRENEW_DEBSIGN_KEY=<secret key file, armored or binary>,
#   CERTRENEW_DEBSIGN_PASSPHRASE_FILE=<file> when the key has a passphrase.
# Without them a development key is used (made once, ed25519, in
# target/dev-debsign/gnupg), with a warning: a development signature is for tests only.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/deps.sh
source "$REPO/scripts/lib/deps.sh"
deps_apt gnupg dpkg-dev apt >/dev/null

dev_dir=${CARGO_TARGET_DIR:-$REPO/target}/dev-debsign
KEYRING_NAME=certrenew-archive-keyring.gpg

# A GNUPGHOME holding the signing key: the CA's, imported into a fresh one, or the
# development key's, made once.
signing_home() {
    if [ -n "${CERTRENEW_DEBSIGN_KEY:-}" ]; then
        local home
        home=$(mktemp -d)
        chmod 700 "$home"
        GNUPGHOME=$home gpg --batch --quiet --import "$CERTRENEW_DEBSIGN_KEY"
        echo "$home"
        return
    fi
    local home=$dev_dir/gnupg
    if [ ! -f "$home/pubring.kbx" ] || ! GNUPGHOME=$home gpg --batch --list-secret-keys 2>/dev/null | grep -q sec; then
        rm -rf "$home"
        mkdir -p "$home"
        chmod 700 "$home"
        GNUPGHOME=$home gpg --batch --quiet --passphrase '' --quick-gen-key \
            "certrenew development archive key <maintainers@certrenew.invalid>" ed25519 sign 10y
        echo "sign-deb: created the development signing key in $home" >&2
    fi
    echo "sign-deb: WARNING: signing with the development key (set CERTRENEW_DEBSIGN_KEY for releases)" >&2
    echo "$home"
}

sign_repo() {
    local dir=$1
    shift
    [ $# -gt 0 ] || { echo "sign-deb: --repo DIR needs at least one .deb" >&2; exit 2; }
    mkdir -p "$dir"
    rm -f "$dir"/*.deb "$dir"/Packages "$dir"/Packages.gz "$dir"/Release "$dir"/InRelease "$dir"/Release.gpg
    local deb
    for deb in "$@"; do
        # Debian's file name (package_version_arch.deb), whatever the download is called.
        cp "$deb" "$dir/$(dpkg-deb -f "$deb" Package)_$(dpkg-deb -f "$deb" Version)_$(dpkg-deb -f "$deb" Architecture).deb"
    done
    (
        cd "$dir"
        dpkg-scanpackages --multiversion . /dev/null 2>/dev/null >Packages
        gzip -9nc Packages >Packages.gz
        local archs
        archs=$(awk '/^Architecture:/ {print $2}' Packages | sort -u | tr '\n' ' ')
        {
            echo "Origin: certrenew"
            echo "Label: certrenew"
            echo "Suite: stable"
            echo "Codename: stable"
            echo "Date: $(LC_ALL=C date -R -u)"
            echo "Architectures: ${archs% }"
            echo "Description: certrenew-host, the certrenew browser helper"
            echo "SHA256:"
            local f
            for f in Packages Packages.gz; do
                printf ' %s %s %s\n' "$(sha256sum "$f" | cut -d' ' -f1)" "$(stat -c %s "$f")" "$f"
            done
        } >Release
    )
    local home pass=()
    home=$(signing_home)
    [ -z "${CERTRENEW_DEBSIGN_PASSPHRASE_FILE:-}" ] ||
        pass=(--pinentry-mode loopback --passphrase-file "$CERTRENEW_DEBSIGN_PASSPHRASE_FILE")
    GNUPGHOME=$home gpg --batch --yes --quiet "${pass[@]}" --digest-algo SHA512 --clearsign -o "$dir/InRelease" "$dir/Release"
    GNUPGHOME=$home gpg --batch --yes --quiet "${pass[@]}" --digest-algo SHA512 -abs -o "$dir/Release.gpg" "$dir/Release"
    GNUPGHOME=$home gpg --batch --yes --quiet -o "$dir/$KEYRING_NAME" --export
    [ -z "${CERTRENEW_DEBSIGN_KEY:-}" ] || rm -rf "$home"
    echo "sign-deb: $dir: $(find "$dir" -maxdepth 1 -name '*.deb' | wc -l) package(s), Release signed by $(gpg --show-keys --with-colons "$dir/$KEYRING_NAME" 2>/dev/null | awk -F: '/^fpr/ {print $10; exit}')"
}

# apt, as a user's machine runs it, against DIR only, with its own lists and cache.
verify_repo() {
    local dir keyring
    dir=$(cd "$1" && pwd)
    keyring=$(realpath "${2:-$dir/$KEYRING_NAME}")
    local tmp
    tmp=$(mktemp -d)
    mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/parts" "$tmp/dl"
    echo "deb [signed-by=$keyring] file:$dir ./" >"$tmp/sources.list"
    local apt_opts=(
        -o "Dir::Etc::SourceList=$tmp/sources.list" -o "Dir::Etc::SourceParts=$tmp/parts"
        -o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache=$tmp/cache" -o Debug::NoLocking=1
        -o APT::Sandbox::User=root -o "Dir::Etc::Preferences=/dev/null" -o "Dir::Etc::PreferencesParts=$tmp/parts"
    )
    local out status=0
    out=$(apt-get "${apt_opts[@]}" update 2>&1) || status=$?
    if [ "$status" -ne 0 ] || grep -qE '^(E|W): ' <<<"$out"; then
        echo "sign-deb: apt refused the repository in $dir:" >&2
        echo "$out" >&2
        rm -rf "$tmp"
        return 1
    fi
    local name version want got
    while read -r name version; do
        out=$(cd "$tmp/dl" && apt-get "${apt_opts[@]}" download "$name=$version" 2>&1) || {
            echo "sign-deb: apt refused $name $version from $dir:" >&2
            grep -E '^(E|W): ' <<<"$out" >&2 || echo "$out" >&2
            rm -rf "$tmp"
            return 1
        }
        want=$(awk -v n="$name" -v v="$version" '/^Package:/ {p=$2} /^Version:/ {ver=$2} /^SHA256:/ && p==n && ver==v {print $2}' "$dir/Packages")
        got=$(sha256sum "$tmp"/dl/"${name}"_*.deb | cut -d' ' -f1)
        [ "$want" = "$got" ] || { echo "sign-deb: $name $version: SHA-256 $got, the signed index says $want" >&2; rm -rf "$tmp"; return 1; }
        rm -f "$tmp"/dl/*.deb
    done < <(awk '/^Package:/ {p=$2} /^Version:/ {print p, $2}' "$dir/Packages")
    rm -rf "$tmp"
    echo "sign-deb: apt verified $dir (signed-by $keyring)"
}

case "${1:-}" in
    --repo)
        [ $# -ge 3 ] || { echo "usage: sign-deb.sh --repo DIR DEB..." >&2; exit 2; }
        dir=$2
        shift 2
        sign_repo "$dir" "$@"
        ;;
    --verify)
        [ $# -ge 2 ] || { echo "usage: sign-deb.sh --verify DIR [KEYRING]" >&2; exit 2; }
        verify_repo "$2" "${3:-}"
        ;;
    -h | --help) sed -n '2,23s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" ;;
    *) echo "usage: sign-deb.sh --repo DIR DEB... | --verify DIR [KEYRING]" >&2; exit 2 ;;
esac
