# shellcheck shell=bash
# Sourced by bench/server.sh and bench/profile/run.sh: the payment gateway as another
# party. Needs SERVER (bench_build), say, die and wait_up (lib/wait_up.sh).
#
# bench_gateway DIR KEYS: starts a certrenew-server with the sandbox on, on a free
# 127.0.0.1 port, its data in DIR/data and the sandbox's keys in KEYS (the server under
# test must use the same CERTRENEW_SANDBOX_KEY_DIR), where it serves the Alipay
# emulator. Writes DIR/payments.toml, the `[alipay]` section that points the server's
# production Alipay provider at it with the emulator's account and keys (the APPID and
# PID are the emulator's, server/src/sandbox/gateways/alipay.rs). Sets GATEWAY_PID,
# GATEWAY_ADDR (127.0.0.1:PORT) and PAYMENTS_CONFIG (that file).
bench_gateway() {
    local dir=$1 keys=$2 port
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    mkdir -p "$dir"
    env -u DATABASE_URL -u CERTRENEW_CONFIG -u CERTRENEW_DIST_DIR -u CERTRENEW_PAYMENTS_CONFIG \
        CERTRENEW_LISTEN="127.0.0.1:$port" CERTRENEW_DATA_DIR="$dir/data" \
        CERTRENEW_PUBLIC_ORIGIN="http://127.0.0.1:$port" CERTRENEW_SANDBOX=1 \
        CERTRENEW_SANDBOX_KEY_DIR="$keys" RUST_LOG=warn \
        "$SERVER" serve >"$dir/gateway.out" 2>"$dir/gateway.log" &
    GATEWAY_PID=$!
    GATEWAY_ADDR=127.0.0.1:$port
    wait_up "http://$GATEWAY_ADDR" "$GATEWAY_PID" "$dir/gateway.log"
    openssl pkey -in "$keys/alipay-public-platform-key.pem" -pubout -out "$dir/alipay-public-key.pem"
    PAYMENTS_CONFIG=$dir/payments.toml
    cat >"$PAYMENTS_CONFIG" <<TOML
[alipay]
app_id = "2014072300007148"
seller_id = "2088101106499364"
app_private_key_file = "$keys/alipay-app-key.pem"
alipay_public_key_file = "$dir/alipay-public-key.pem"
gateway_url = "http://$GATEWAY_ADDR/sandbox/alipay/gateway.do"
TOML
    say "the Alipay emulator in its own process at http://$GATEWAY_ADDR"
}
