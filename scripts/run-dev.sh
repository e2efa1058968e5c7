#!/usr/bin/env bash
# Brings up the whole system on this machine for a person to try:
#
#   scripts/run-dev.sh [--fresh] [--expired | --dual | --sm2] [--port N] [--no-browser]
#   scripts/run-dev.sh [--sm2] --diagnose [ARGS...]
#
# Builds certrenew-host, certrenew-server (debug) and the web app (scripts/build-app.sh),
# the extension (extension/dist), then starts:
#   - certrenew-server on 127.0.0.1:8080 (--port N) with its development CA, the sandbox
#     (WeChat Pay, Alipay and UnionPay emulated, the production payment code pointed at
#     them) and the web app; data in .dev/data;
#   - a SoftHSM token in .dev/run/token (label "certrenew dev", PIN 123456) with a key
#     made on it and a certificate from that CA expiring in 30 days (made the first time,
#     and again when the CA changed or with --fresh);
#   - staff accounts: admin / reviewer / finance, password printed;
#   - the host registered for Chromium in the profile .dev/run/chromium (through the
#     wrapper .dev/run/certrenew-host, which points the host at the token);
#   - Chromium on the app with the extension loaded, when there is a display (otherwise
#     it says what to open).
# Ctrl-C stops everything it started. --fresh starts over (new data, CA, token, profile).
# --expired makes a new token whose certificate expired 5 days ago, for the expired-
# certificate path (/expired).
# --dual makes a new dual token: the signing certificate and an encryption certificate
# (RSA-2048 key made on the token) under one subject, for the platform gd-med-dual,
# whose renewals renew the pair (the encryption key from the server's KMC).
# --sm2 adds the server's SM2 CA (.dev/data/ca/sm2) and the SM2 dual platform gd-sm2, and
# puts an SM2 dual token on the repository's test token (testtoken/, .dev/run/sm2-token):
# SM2 signing and encryption certificates from the SM2 CA, and a second token whose PIN
# may be locked (three wrong PINs); the host is pointed at that module instead of SoftHSM.
# --diagnose runs `certrenew-host diagnose` against the token and exits (ARGS such as
# --json go to diagnose).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
# shellcheck source-path=SCRIPTDIR source=lib/deps.sh
source scripts/lib/deps.sh

MODULE=/usr/lib/softhsm/libsofthsm2.so
DATA=$REPO/.dev/data
RUN=$REPO/.dev/run
TOKEN_DIR=$RUN/token
PROFILE=$RUN/chromium
WRAPPER=$RUN/certrenew-host
PIN=123456
STAFF_PASSWORD="correct horse battery staple"
HOST=$REPO/target/debug/certrenew-host
SERVER=$REPO/target/debug/certrenew-server

port=8080
fresh=
expired=
dual=
DUAL_PROJECT=gd-med-dual
sm2=
SM2_PROJECT=gd-sm2
SM2_MODULE=$REPO/target/debug/libtesttoken.so
SM2_TOKEN_DIR=$RUN/sm2-token
browser=1
diagnose=
diagnose_args=()
while [ $# -gt 0 ]; do
    if [ -n "$diagnose" ]; then
        diagnose_args+=("$1")
        shift
        continue
    fi
    case "$1" in
        --fresh) fresh=1; shift ;;
        --expired) expired=1; shift ;;
        --dual) dual=1; shift ;;
        --sm2) sm2=1; shift ;;
        --no-browser) browser=; shift ;;
        --port)
            if [ $# -lt 2 ] || ! [[ "$2" =~ ^[0-9]+$ ]]; then
                echo "run-dev.sh: --port wants a number" >&2
                exit 2
            fi
            port=$2
            shift 2
            ;;
        --diagnose) diagnose=1; shift ;;
        -h | --help) sed -n '2,30s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "run-dev.sh: unknown argument $1 (--help)" >&2; exit 2 ;;
    esac
done
ORIGIN=http://127.0.0.1:$port
if [ "$(( ${expired:-0} + ${dual:-0} + ${sm2:-0} ))" -gt 1 ]; then
    echo "run-dev.sh: --expired, --dual and --sm2 make different tokens; choose one" >&2
    exit 2
fi

if [ -n "$diagnose" ] && [ -n "$sm2" ]; then
    [ -f "$SM2_TOKEN_DIR/testtoken.toml" ] || { echo "run-dev.sh: no SM2 token yet: run scripts/run-dev.sh --sm2 first" >&2; exit 1; }
    cargo build -p native-host -p testtoken
    echo "CERTRENEW_TESTTOKEN_CONF=$SM2_TOKEN_DIR/testtoken.toml CERTRENEW_PKCS11_MODULES=$SM2_MODULE $HOST diagnose --user-data-dir $PROFILE ${diagnose_args[*]}"
    CERTRENEW_TESTTOKEN_CONF=$SM2_TOKEN_DIR/testtoken.toml CERTRENEW_PKCS11_MODULES=$SM2_MODULE \
        exec "$HOST" diagnose --user-data-dir "$PROFILE" "${diagnose_args[@]}"
fi
if [ -n "$diagnose" ]; then
    [ -f "$TOKEN_DIR/softhsm2.conf" ] || { echo "run-dev.sh: no token yet: run scripts/run-dev.sh first" >&2; exit 1; }
    cargo build -p native-host
    echo "SOFTHSM2_CONF=$TOKEN_DIR/softhsm2.conf CERTRENEW_PKCS11_MODULES=$MODULE $HOST diagnose --user-data-dir $PROFILE ${diagnose_args[*]}"
    SOFTHSM2_CONF=$TOKEN_DIR/softhsm2.conf CERTRENEW_PKCS11_MODULES=$MODULE \
        exec "$HOST" diagnose --user-data-dir "$PROFILE" "${diagnose_args[@]}"
fi

if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "run-dev.sh: something already listens on 127.0.0.1:$port (another run-dev.sh?); --port N picks another" >&2
    exit 1
fi

# --- build ---------------------------------------------------------------------------
deps_dev_token
deps_apt chromium fonts-wqy-microhei
cargo build -p server -p native-host --locked
if [ -n "$sm2" ]; then cargo build -p testtoken --locked; fi
scripts/build-app.sh
node extension/build.mjs --origin "$ORIGIN" >/dev/null
echo "extension: built into extension/dist"

if [ -n "$fresh" ]; then
    echo "--fresh: removing .dev/data and .dev/run"
    rm -rf "$DATA" "$RUN"
fi
mkdir -p "$DATA" "$RUN"

# --- the server ----------------------------------------------------------------------
export CERTRENEW_LISTEN=127.0.0.1:$port
export CERTRENEW_DATA_DIR=$DATA
export CERTRENEW_PUBLIC_ORIGIN=$ORIGIN
export CERTRENEW_DIST_DIR=$REPO/dist
export CERTRENEW_SANDBOX=1
unset CERTRENEW_CONFIG DATABASE_URL
if [ -n "$sm2" ]; then
    # The SM2 CA beside the development CA (kept between runs), and the sample platforms
    # plus gd-sm2 (gd-med-dual with algorithm "sm2") as the server's configuration.
    node tests/e2e/sm2-token.js --config "$DATA/sm2.toml" "$SERVER"
    export CERTRENEW_CONFIG=$DATA/sm2.toml
    "$SERVER" ca init --algorithm sm2 --name "certrenew SM2 Development CA" >/dev/null
    echo "SM2 CA: .dev/data/ca/sm2/ca.pem"
fi

# The extension this deployment supports, published as a signed package with its update
# manifest (docs/extension-updates.md); the setup page reads the manifest.
version=$(node -p "require('./extension/manifest.json').version")
node extension/pack.mjs --key extension/dev-key.pem --version "$version" --out "$DATA/extension" \
    --update-url "$ORIGIN/extension/updates.xml" --origin "$ORIGIN" >/dev/null

pids=()
stop() {
    local pid
    trap - INT TERM EXIT
    echo
    echo "run-dev.sh: stopping"
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
}
trap stop INT TERM EXIT

"$SERVER" serve >>"$RUN/server.log" 2>&1 &
server_pid=$!
pids+=("$server_pid")
for _ in $(seq 1 300); do
    if curl -fsS -o /dev/null "$ORIGIN/api/v1/projects" 2>/dev/null; then break; fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "run-dev.sh: certrenew-server stopped; its log:" >&2
        tail -n 30 "$RUN/server.log" >&2
        exit 1
    fi
    sleep 0.2
done
curl -fsS -o /dev/null "$ORIGIN/api/v1/projects" || { echo "run-dev.sh: the server did not answer; see $RUN/server.log" >&2; exit 1; }
echo "server: $ORIGIN (log: .dev/run/server.log)"

for role in admin reviewer finance; do
    "$SERVER" admin add --user "$role" --password "$STAFF_PASSWORD" --role "$role" >/dev/null
done

# --- the token -----------------------------------------------------------------------
# A new one when there is none, or its certificate is not from this server's CA (an
# expired certificate fails `openssl verify`, so --expired always makes one).
if [ -n "$sm2" ]; then
    node tests/e2e/sm2-token.js "$SM2_TOKEN_DIR" "$SERVER" 30
elif [ -n "$expired" ]; then
    node tests/e2e/token.js "$TOKEN_DIR" "$SERVER" -5
elif [ -n "$dual" ]; then
    node tests/e2e/token.js "$TOKEN_DIR" "$SERVER" 30
    node tests/e2e/dual-token.js "$TOKEN_DIR" "$SERVER" "$DUAL_PROJECT"
elif [ ! -f "$TOKEN_DIR/cert.pem" ] ||
    ! openssl verify -CAfile "$DATA/ca/ca.pem" "$TOKEN_DIR/cert.pem" >/dev/null 2>&1; then
    node tests/e2e/token.js "$TOKEN_DIR" "$SERVER" 30
else
    echo "token: using .dev/run/token (--fresh makes a new one)"
fi

# --- the host, registered for Chromium in the dedicated profile ------------------------
if [ -n "$sm2" ]; then
    cat >"$WRAPPER" <<EOF
#!/bin/sh
# certrenew-host for the development SM2 token on the test token (scripts/run-dev.sh --sm2).
export CERTRENEW_TESTTOKEN_CONF='$SM2_TOKEN_DIR/testtoken.toml'
export CERTRENEW_PKCS11_MODULES='$SM2_MODULE'
exec '$HOST' "\$@"
EOF
else
    cat >"$WRAPPER" <<EOF
#!/bin/sh
# certrenew-host for the development token (written by scripts/run-dev.sh).
export SOFTHSM2_CONF='$TOKEN_DIR/softhsm2.conf'
export CERTRENEW_PKCS11_MODULES='$MODULE'
exec '$HOST' "\$@"
EOF
fi
chmod 0755 "$WRAPPER"
mkdir -p "$PROFILE"
"$HOST" register --browser chromium --user-data-dir "$PROFILE" --host-path "$WRAPPER" >/dev/null
echo "host: registered for Chromium in .dev/run/chromium (via .dev/run/certrenew-host)"

cat <<EOF

certrenew is running:
  app            $ORIGIN/
  staff console  $ORIGIN/admin   users admin, reviewer, finance; password: $STAFF_PASSWORD
  token          "certrenew dev", PIN $PIN (SOFTHSM2_CONF=$TOKEN_DIR/softhsm2.conf)
  payments       the emulated gateways, which the production payment code talks to:
                 Alipay: its cashier page, 确认付款, or 不付款 (the trade times out, closed);
                 UnionPay: its cashier page, 确认付款, then 返回商户;
                 WeChat Pay: the order page shows the QR code; play the phone that scans it:
                 curl -X POST $ORIGIN/sandbox/wechatpay/phone/pay -H 'content-type: application/json' \\
                   -d '{"code_url": "<the text in the QR code: weixin://wxpay/bizpayurl?pr=…>"}'
  expired path   $ORIGIN/expired (a token for it: --expired); SMS codes are written to
                 .dev/run/server.log, the 0.01-yuan transfers to $ORIGIN/sandbox/bank/transfers,
                 and the sandbox liveness page has 检测通过 / 检测不通过
  dual token     --dual: a signing and an encryption certificate on the token; renew the pair
                 on the platform $DUAL_PROJECT: $ORIGIN/renew?project=$DUAL_PROJECT
                 (or choose it on 我的证书); key recovery is on the renewal's staff page
  SM2 token      --sm2: "certrenew SM2 dev" (test token, PIN $PIN) holds an SM2 signing and
                 encryption pair from the SM2 CA; renew it on $ORIGIN/renew?project=$SM2_PROJECT;
                 "certrenew SM2 dev 2" has an EC certificate: three wrong PINs lock it
For Chrome or Edge instead (README "Trying it in Chrome or Edge"):
  $HOST register --browser chrome --host-path $WRAPPER
  then load the unpacked extension from $REPO/extension/dist and open $ORIGIN/
EOF
if [ -n "$sm2" ]; then
    echo
    echo "This run (--sm2): the host sees the test token only, not the SoftHSM one. Renew the SM2"
    echo "pair at $ORIGIN/renew?project=$SM2_PROJECT (PIN $PIN); the SM2 CA is .dev/data/ca/sm2/ca.pem."
fi

if [ -n "$browser" ] && { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; }; then
    chromium --user-data-dir="$PROFILE" --no-first-run --no-default-browser-check \
        --load-extension="$REPO/extension/dist" "$ORIGIN/" >>"$RUN/chromium.log" 2>&1 &
    pids+=("$!")
    echo
    echo "Chromium is open on $ORIGIN/ with the extension. Ctrl-C stops everything."
else
    echo
    if [ -n "$browser" ]; then
        echo "No display (DISPLAY/WAYLAND_DISPLAY unset): Chromium was not opened. On a machine with one:"
    else
        echo "--no-browser: open it yourself:"
    fi
    echo "  chromium --user-data-dir=$PROFILE --load-extension=$REPO/extension/dist $ORIGIN/"
    echo "Ctrl-C stops the server."
fi
wait "$server_pid"
