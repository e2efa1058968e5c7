#!/usr/bin/env bash
# Creates a development SoftHSM2 token from nothing, with an EC P-256 key pair
# generated on the token and a certificate for it issued by a development CA.
# Re-running replaces the token, the CA and the certificate.
#
#   scripts/dev-token.sh [--days N] [--dual] [DIR]
#
# DIR defaults to .dev/token in the repository (a DIR given on the command line is
# relative to the current directory). --days N: the certificate expires N days
# from now (default 30). --dual: a dual token, with also an RSA-2048 encryption key
# pair made on the token (id 02) and its encryption certificate, same subject.
#
# DIR/softhsm2.conf   point SOFTHSM2_CONF here
# DIR/tokens/         the token (label "certrenew dev", user PIN 123456, SO PIN 12345678)
# DIR/ca/             the development CA: ca.key, ca.pem
# DIR/cert/           the end-entity certificate (cert.pem, cert.der) and its public key;
#                     with --dual also enc-cert.pem, enc-cert.der, enc-pub.pem
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/deps.sh
source "$REPO/scripts/lib/deps.sh"

MODULE=/usr/lib/softhsm/libsofthsm2.so
LABEL="certrenew dev"
PIN=123456
SO_PIN=12345678
KEY_ID=01
HOLDER="张三"
SUBJECT="/C=CN/O=测试医药有限公司/CN=$HOLDER"
CA_SUBJECT="/C=CN/O=certrenew/CN=certrenew Development CA"

# quiet CMD...: runs CMD, showing its output only if it fails.
quiet() {
    local out
    if ! out=$("$@" 2>&1); then
        printf '%s\n' "$out" >&2
        echo "dev-token.sh: failed: $*" >&2
        return 1
    fi
}

# usage STATUS: prints the header above (to stderr unless STATUS is 0) and exits.
usage() {
    if [ "$1" -eq 0 ]; then
        sed -n '2,18s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
    else
        sed -n '2,18s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
    fi
    exit "$1"
}

DAYS=30
DIR=
DUAL=
ENC_KEY_ID=02
while [ $# -gt 0 ]; do
    case "$1" in
        --days)
            [ $# -ge 2 ] || usage 2
            DAYS=$2
            shift 2
            ;;
        --days=*)
            DAYS=${1#--days=}
            shift
            ;;
        --dual)
            DUAL=1
            shift
            ;;
        -h | --help) usage 0 ;;
        -*) echo "dev-token.sh: unknown option $1" >&2; usage 2 ;;
        *)
            [ -z "$DIR" ] || usage 2
            DIR=$1
            shift
            ;;
    esac
done
if ! [[ "$DAYS" =~ ^[0-9]+$ ]] || [ "$DAYS" -lt 1 ]; then
    echo "dev-token.sh: --days wants a whole number of days, at least 1 (got '$DAYS')" >&2
    exit 2
fi
DIR=${DIR:-$REPO/.dev/token}

deps_dev_token

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
# Replace only what this script makes, never anything else in DIR.
rm -rf "$DIR/tokens" "$DIR/ca" "$DIR/cert" "$DIR/softhsm2.conf"
mkdir -p "$DIR/tokens" "$DIR/ca" "$DIR/cert"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# --- the token -------------------------------------------------------------------
cat >"$DIR/softhsm2.conf" <<EOF
directories.tokendir = $DIR/tokens
objectstore.backend = file
log.level = ERROR
EOF
export SOFTHSM2_CONF="$DIR/softhsm2.conf"
echo "token: \"$LABEL\" in $DIR/tokens"
quiet softhsm2-util --init-token --free --label "$LABEL" --pin "$PIN" --so-pin "$SO_PIN"

p11() {
    pkcs11-tool --module "$MODULE" --token-label "$LABEL" "$@"
}

echo "token: EC P-256 key pair, id $KEY_ID, label $HOLDER"
quiet p11 --login --pin "$PIN" --keypairgen --key-type EC:prime256v1 \
    --id "$KEY_ID" --label "$HOLDER"
quiet p11 --read-object --type pubkey --id "$KEY_ID" --output-file "$WORK/pub.der"
openssl pkey -pubin -inform DER -in "$WORK/pub.der" -out "$DIR/cert/pub.pem"

# --- the development CA ----------------------------------------------------------
# string_mask = utf8only with -utf8: names are UTF8String holding the UTF-8 bytes
# (openssl x509 -subj would take them as Latin-1 and encode them twice).
cat >"$WORK/openssl.cnf" <<'EOF'
[ req ]
distinguished_name = dn
string_mask = utf8only
utf8 = yes
prompt = no
[ dn ]
[ ca_ext ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ ee_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ enc_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, keyEncipherment, dataEncipherment
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
echo "CA: $CA_SUBJECT in $DIR/ca"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$DIR/ca/ca.key"
openssl req -new -x509 -config "$WORK/openssl.cnf" -extensions ca_ext -utf8 \
    -key "$DIR/ca/ca.key" -subj "$CA_SUBJECT" -days 3650 -sha256 \
    -set_serial "0x$(openssl rand -hex 16)" -out "$DIR/ca/ca.pem"

# --- the end-entity certificate for the token's key --------------------------------
# openssl 3.0 has no way to put a bare public key into a certificate with a UTF-8
# subject in one step: make a request signed by a throwaway key, then issue from it
# with the token's public key (-force_pubkey).
echo "certificate: $SUBJECT, $DAYS days, in $DIR/cert"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/throwaway.key"
openssl req -new -config "$WORK/openssl.cnf" -utf8 -key "$WORK/throwaway.key" \
    -subj "$SUBJECT" -out "$WORK/req.csr"
quiet openssl x509 -req -in "$WORK/req.csr" -force_pubkey "$DIR/cert/pub.pem" \
    -CA "$DIR/ca/ca.pem" -CAkey "$DIR/ca/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
    -days "$DAYS" -sha256 -extfile "$WORK/openssl.cnf" -extensions ee_ext \
    -out "$DIR/cert/cert.pem"
openssl x509 -in "$DIR/cert/cert.pem" -outform DER -out "$DIR/cert/cert.der"
quiet p11 --login --pin "$PIN" --write-object "$DIR/cert/cert.der" --type cert \
    --id "$KEY_ID" --label "$HOLDER"

# --- the encryption half of a dual token -----------------------------------------
# Same subject and validity period as the signing certificate, encryption key usage:
# the host pairs the two (签名证书 + 加密证书).
if [ -n "$DUAL" ]; then
    echo "token: RSA-2048 encryption key pair, id $ENC_KEY_ID"
    quiet p11 --login --pin "$PIN" --keypairgen --key-type rsa:2048 \
        --id "$ENC_KEY_ID" --label "$HOLDER 加密"
    quiet p11 --read-object --type pubkey --id "$ENC_KEY_ID" --output-file "$WORK/enc-pub.der"
    openssl pkey -pubin -inform DER -in "$WORK/enc-pub.der" -out "$DIR/cert/enc-pub.pem"
    echo "certificate: encryption, $SUBJECT, in $DIR/cert"
    quiet openssl x509 -req -in "$WORK/req.csr" -force_pubkey "$DIR/cert/enc-pub.pem" \
        -CA "$DIR/ca/ca.pem" -CAkey "$DIR/ca/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
        -days "$DAYS" \
        -sha256 -extfile "$WORK/openssl.cnf" -extensions enc_ext -out "$DIR/cert/enc-cert.pem"
    openssl x509 -in "$DIR/cert/enc-cert.pem" -outform DER -out "$DIR/cert/enc-cert.der"
    quiet p11 --login --pin "$PIN" --write-object "$DIR/cert/enc-cert.der" --type cert \
        --id "$ENC_KEY_ID" --label "$HOLDER 加密"
fi

# --- report ----------------------------------------------------------------------
echo
echo "Development token ready (certificate expires about $(date -u -d "+$DAYS days" '+%Y-%m-%d %H:%M UTC')):"
echo "  SOFTHSM2_CONF=$SOFTHSM2_CONF"
echo "  PIN: $PIN"
echo "  module: $MODULE"
echo "  CA: $DIR/ca/ca.pem"
echo
p11 --login --pin "$PIN" --list-objects
