#!/usr/bin/env bash
# Authenticode-signs the Windows downloads (the host exe, the MSI) with osslsigncode,
# and verifies signatures.
#
#   scripts/sign-windows.sh IN OUT        sign IN into OUT (IN is left as it is)
#   scripts/sign-windows.sh --verify FILE...
#                                         check each signature against the CA file
#
# The key is the CA's code-signing key, given by the environment:
#   CERTRENEW_CODESIGN_PKCS12=<file.p12>, CERTRENEW_CODESIGN_PASSWORD_FILE=<file>
#       (a PKCS#12 with the certificate chain and the key), or
#   CERTRENEW_CODESIGN_CERT=<chain.pem> and CERTRENEW_CODESIGN_KEY=<key.pem>;
#   CERTRENEW_CODESIGN_CAFILE=<roots.pem>: the root(s) --verify trusts;
#   CERTRENEW_CODESIGN_TIMESTAMP_URL=<RFC 3161 TSA URL>: optional, so the signature
#       outlives the certificate.
# Without them, a development key is used (and created once, with openssl, in
# target/dev-codesign/: a CA and a leaf with the codeSigning extended key usage), with
# a warning: a development signature is for tests only.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/deps.sh
source "$REPO/scripts/lib/deps.sh"
deps_apt osslsigncode openssl >/dev/null

dev_dir=${CARGO_TARGET_DIR:-$REPO/target}/dev-codesign

# dev_key: the development CA and code-signing certificate, made once.
dev_key() {
    [ -f "$dev_dir/leaf.pem" ] && [ -f "$dev_dir/leaf.key" ] && [ -f "$dev_dir/ca.pem" ] && return 0
    mkdir -p "$dev_dir"
    (
        cd "$dev_dir"
        openssl req -x509 -newkey rsa:3072 -nodes -days 3650 -sha256 \
            -subj "/C=CN/O=certrenew development/CN=certrenew development code-signing CA" \
            -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
            -keyout ca.key -out ca.pem 2>/dev/null
        openssl req -newkey rsa:3072 -nodes -sha256 \
            -subj "/C=CN/O=certrenew development/CN=certrenew development code signing" \
            -keyout leaf.key -out leaf.csr 2>/dev/null
        printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
            "extendedKeyUsage=codeSigning" "subjectKeyIdentifier=hash" \
            "authorityKeyIdentifier=keyid" >leaf.ext
        openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 -sha256 \
            -extfile leaf.ext -out leaf.crt 2>/dev/null
        cat leaf.crt ca.pem >leaf.pem
        rm -f leaf.csr leaf.ext ca.srl
    )
    echo "sign-windows: created the development code-signing key in $dev_dir" >&2
}

ca_file() {
    if [ -n "${CERTRENEW_CODESIGN_CAFILE:-}" ]; then
        echo "$CERTRENEW_CODESIGN_CAFILE"
    else
        dev_key
        echo "$dev_dir/ca.pem"
    fi
}

if [ "${1:-}" = "--verify" ]; then
    shift
    [ $# -gt 0 ] || { echo "sign-windows: --verify wants files" >&2; exit 2; }
    ca=$(ca_file)
    status=0
    for f in "$@"; do
        if out=$(osslsigncode verify -CAfile "$ca" -in "$f" 2>&1); then
            echo "sign-windows: $f: signature verified ($(grep -m1 'Subject:' <<<"$out" | sed 's/^[[:space:]]*//'))"
        else
            echo "sign-windows: $f: signature NOT verified" >&2
            sed 's/^/    /' <<<"$out" >&2
            status=1
        fi
    done
    exit "$status"
fi

[ $# -eq 2 ] || { sed -n '2,20s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2; }
in=$1 out=$2
key_args=()
if [ -n "${CERTRENEW_CODESIGN_PKCS12:-}" ]; then
    key_args=(-pkcs12 "$CERTRENEW_CODESIGN_PKCS12")
    [ -n "${CERTRENEW_CODESIGN_PASSWORD_FILE:-}" ] && key_args+=(-readpass "$CERTRENEW_CODESIGN_PASSWORD_FILE")
elif [ -n "${CERTRENEW_CODESIGN_CERT:-}" ] && [ -n "${CERTRENEW_CODESIGN_KEY:-}" ]; then
    key_args=(-certs "$CERTRENEW_CODESIGN_CERT" -key "$CERTRENEW_CODESIGN_KEY")
else
    dev_key
    echo "sign-windows: warning: no CERTRENEW_CODESIGN_* key; signing $(basename "$out") with the DEVELOPMENT key (tests only)" >&2
    key_args=(-certs "$dev_dir/leaf.pem" -key "$dev_dir/leaf.key")
fi
ts_args=()
[ -n "${CERTRENEW_CODESIGN_TIMESTAMP_URL:-}" ] && ts_args=(-ts "$CERTRENEW_CODESIGN_TIMESTAMP_URL")

tmp="$out.signing"
rm -f "$tmp"
osslsigncode sign "${key_args[@]}" "${ts_args[@]}" -h sha256 \
    -n "certrenew 证书续期助手" -i "https://github.com/certrenew" \
    -in "$in" -out "$tmp" >/dev/null
mv -f "$tmp" "$out"
echo "sign-windows: signed $out"
