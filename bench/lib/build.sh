# shellcheck shell=bash
# Sourced by the server benchmarks (server.sh, instances.sh, profile/run.sh,
# profile/statements.sh): builds the release server, or takes $BENCH_SERVER_BIN to
# compare two builds in one sitting, and the load generator. Sets SERVER and GEN.
# Needs REPO, BENCH, say and die.
bench_build() {
    if [ -n "${BENCH_SERVER_BIN:-}" ]; then
        SERVER=$BENCH_SERVER_BIN
    else
        say "cargo build --release -p server"
        (cd "$REPO" && cargo build --release --quiet -p server)
        local target_dir
        target_dir=$(cd "$REPO" && cargo metadata --format-version 1 --no-deps |
            python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
        SERVER=$target_dir/release/certrenew-server
    fi
    [ -x "$SERVER" ] || die "no binary at $SERVER"
    say "cargo build --release (bench/server, the load generator)"
    (cd "$BENCH/server" && cargo build --release --quiet --locked)
    GEN=$BENCH/server/target/release/server-bench
    [ -x "$GEN" ] || die "no binary at $GEN"
}
