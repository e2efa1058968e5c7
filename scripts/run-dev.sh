#!/usr/bin/env bash
# Builds certrenew-host, makes sure the development SoftHSM2 token exists (see
# scripts/dev-token.sh) and runs `certrenew-host diagnose` against it.
#
#   scripts/run-dev.sh [--fresh] [DIAGNOSE ARGS...]
#
# --fresh: make a new token even if .dev/token already holds one.
# Any other arguments go to `diagnose` (for example --json).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
# shellcheck source-path=SCRIPTDIR source=lib/deps.sh
source scripts/lib/deps.sh

TOKEN_DIR=$REPO/.dev/token
MODULE=/usr/lib/softhsm/libsofthsm2.so

fresh=
args=()
for arg in "$@"; do
    case "$arg" in
        --fresh) fresh=1 ;;
        *) args+=("$arg") ;;
    esac
done

deps_dev_token

cargo build --release -p native-host

if [ -n "$fresh" ] || [ ! -f "$TOKEN_DIR/softhsm2.conf" ] ||
    [ -z "$(ls -A "$TOKEN_DIR/tokens" 2>/dev/null)" ]; then
    scripts/dev-token.sh "$TOKEN_DIR"
else
    echo "Using the existing development token in $TOKEN_DIR (--fresh makes a new one)."
fi

echo
echo "SOFTHSM2_CONF=$TOKEN_DIR/softhsm2.conf CERTRENEW_PKCS11_MODULES=$MODULE target/release/certrenew-host diagnose ${args[*]}"
SOFTHSM2_CONF=$TOKEN_DIR/softhsm2.conf CERTRENEW_PKCS11_MODULES=$MODULE \
    exec target/release/certrenew-host diagnose "${args[@]}"
