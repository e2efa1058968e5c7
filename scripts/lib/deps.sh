# shellcheck shell=bash
# Installs what certrenew needs, skipping what is already there, so a second run
# costs well under a second. Sourced by .ci/run and the scripts in scripts/.
# Assumes Debian 12 and root (as on the project's machines and in CI).

# The version of cargo-nextest installed when the machine has none.
NEXTEST_VERSION=0.9.143

_deps_apt_updated=

# deps_apt PKG...: installs the Debian packages that are not installed yet.
# `apt-get update` runs only when something is missing, once per process.
deps_apt() {
    local pkg missing=()
    for pkg in "$@"; do
        if ! dpkg -s "$pkg" 2>/dev/null | grep -qx 'Status: install ok installed'; then
            missing+=("$pkg")
        fi
    done
    if [ ${#missing[@]} -eq 0 ]; then
        echo "apt: present: $*"
        return 0
    fi
    echo "apt: installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if [ -z "$_deps_apt_updated" ]; then
        apt-get -o DPkg::Lock::Timeout=300 update -q
        _deps_apt_updated=1
    fi
    apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${missing[@]}"
}

# deps_rust_targets TARGET...: adds the rustup targets that are missing.
deps_rust_targets() {
    local installed target missing=()
    installed=$(rustup target list --installed)
    for target in "$@"; do
        grep -qx "$target" <<<"$installed" || missing+=("$target")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        echo "rustup: targets present: $*"
        return 0
    fi
    echo "rustup: adding targets: ${missing[*]}"
    rustup target add "${missing[@]}"
}

# deps_rust_components COMPONENT...: adds the rustup components that are missing
# (rustfmt, clippy, …).
deps_rust_components() {
    local installed component missing=()
    installed=$(rustup component list --installed)
    for component in "$@"; do
        grep -q "^$component\(-\|$\)" <<<"$installed" || missing+=("$component")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        echo "rustup: components present: $*"
        return 0
    fi
    echo "rustup: adding components: ${missing[*]}"
    rustup component add "${missing[@]}"
}

# deps_nextest: cargo-nextest (normally preinstalled in /usr/local/bin); building it
# from crates.io takes several minutes on 2 cores, so only when it is missing.
deps_nextest() {
    if cargo nextest --version >/dev/null 2>&1; then
        echo "cargo-nextest: present: $(cargo nextest --version | head -n 1)"
        return 0
    fi
    echo "cargo-nextest: installing $NEXTEST_VERSION"
    cargo install cargo-nextest --version "$NEXTEST_VERSION" --locked
}

# deps_pkilint: pkilint (pinned), the revocation tests' independent RFC 5280 linter
# (server/tests/revocation.rs), in its own virtual environment: Debian's Python refuses
# pip installs into the system.
PKILINT_VERSION=0.13.3
deps_pkilint() {
    deps_gmssl
    if command -v lint_crl >/dev/null; then
        echo "pkilint: present"
        return 0
    fi
    echo "pkilint: installing $PKILINT_VERSION"
    deps_apt python3-venv
    python3 -m venv /opt/pkilint
    /opt/pkilint/bin/pip install --quiet "pkilint==$PKILINT_VERSION"
    ln -sf /opt/pkilint/bin/lint_crl /opt/pkilint/bin/lint_ocsp_response \
        /opt/pkilint/bin/lint_pkix_cert /usr/local/bin/
}

# deps_gmssl: the pure-Python `gmssl` (pinned), the SM2 tests' second witness beside
# OpenSSL (server/tests/sm2_ca.rs), in its own virtual environment; its interpreter is
# /opt/gmssl/bin/python. Installed with pkilint, so whatever sets up one has both.
GMSSL_VERSION=3.2.2
deps_gmssl() {
    if /opt/gmssl/bin/python -c 'import gmssl' 2>/dev/null; then
        echo "gmssl: present"
        return 0
    fi
    echo "gmssl: installing $GMSSL_VERSION"
    deps_apt python3-venv
    python3 -m venv /opt/gmssl
    /opt/gmssl/bin/pip install --quiet "gmssl==$GMSSL_VERSION"
}

# What the development token (scripts/dev-token.sh) needs: SoftHSM2, OpenSC's
# pkcs11-tool and openssl.
deps_dev_token() {
    deps_apt softhsm2 opensc openssl
}

# deps_postgres: Debian's PostgreSQL, its cluster running, and a `certrenew` role that
# may create databases (each server test makes and drops its own). Exports
# CERTRENEW_TEST_POSTGRES, the URL the server tests take to run on PostgreSQL.
deps_postgres() {
    deps_apt postgresql postgresql-client
    local line version port
    line=$(pg_lsclusters --no-header 2>/dev/null | head -n 1)
    if [ -z "$line" ]; then
        version=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
        pg_createcluster "$version" main >/dev/null
        line=$(pg_lsclusters --no-header | head -n 1)
    fi
    version=$(awk '{print $1}' <<<"$line")
    port=$(awk '{print $3}' <<<"$line")
    if ! pg_ctlcluster "$version" main status >/dev/null 2>&1; then
        echo "postgres: starting cluster $version/main on port $port"
        pg_ctlcluster "$version" main start
    fi
    if ! su postgres -c "psql -p $port -qtAc \"SELECT 1 FROM pg_roles WHERE rolname = 'certrenew'\"" | grep -qx 1; then
        su postgres -c "psql -p $port -qc \"CREATE ROLE certrenew LOGIN PASSWORD 'certrenew' CREATEDB\""
    fi
    # CI's throwaway cluster: no durability waits (each test creates and drops a
    # database, which otherwise fsyncs every file). Never on a developer's cluster.
    if [ "${CI:-}" = "true" ] &&
        [ "$(su postgres -c "psql -p $port -qtAc 'SHOW fsync'")" != "off" ]; then
        su postgres -c "psql -p $port -qc 'ALTER SYSTEM SET fsync = off' -c 'ALTER SYSTEM SET synchronous_commit = off' -c 'ALTER SYSTEM SET full_page_writes = off'"
        pg_ctlcluster "$version" main reload
    fi
    export CERTRENEW_TEST_POSTGRES="postgres://certrenew:certrenew@127.0.0.1:$port/postgres"
    echo "postgres: $version/main on port $port"
}

# --- the web app's build tools (scripts/build-app.sh) --------------------------------

# The Trunk release the app is built with (Trunk.toml is written for it).
TRUNK_VERSION=0.21.14

# Cargo's bin folder: `cargo install` puts the tools there.
_deps_cargo_bin() {
    echo "${CARGO_HOME:-$HOME/.cargo}/bin"
}

# deps_trunk: Trunk $TRUNK_VERSION (about 12 minutes to compile on 2 cores, so only
# when it is missing or another version).
deps_trunk() {
    local bin
    bin="$(_deps_cargo_bin)/trunk"
    if [ -x "$bin" ] && [ "$("$bin" --version 2>/dev/null)" = "trunk $TRUNK_VERSION" ]; then
        echo "trunk: present: $TRUNK_VERSION"
        return 0
    fi
    echo "trunk: installing $TRUNK_VERSION"
    cargo install trunk --version "$TRUNK_VERSION" --locked
}

# The version of the `wasm-bindgen` crate in the repository's Cargo.lock: the CLI
# must match it exactly.
deps_wasm_bindgen_version() {
    local lock
    lock="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/Cargo.lock"
    awk '/^name = "wasm-bindgen"$/ { found = 1; next }
         found && /^version = / { gsub(/"/, "", $3); print $3; exit }' "$lock"
}

# deps_wasm_bindgen: wasm-bindgen-cli at the version in Cargo.lock (about 5 minutes to
# compile). Not --locked: the CLI's own lock file pins crates that no longer build.
deps_wasm_bindgen() {
    local version bin
    version=$(deps_wasm_bindgen_version)
    if [ -z "$version" ]; then
        echo "wasm-bindgen: no wasm-bindgen in Cargo.lock" >&2
        return 1
    fi
    bin="$(_deps_cargo_bin)/wasm-bindgen"
    if [ -x "$bin" ] && [ "$("$bin" --version 2>/dev/null)" = "wasm-bindgen $version" ]; then
        echo "wasm-bindgen: present: $version"
        return 0
    fi
    echo "wasm-bindgen: installing wasm-bindgen-cli $version"
    cargo install wasm-bindgen-cli --version "$version" --force
}

# deps_wasm_opt: binaryen's wasm-opt at the version pinned in tools/package-lock.json,
# installed with `npm ci --prefix tools` (needs node and npm). Put
# tools/node_modules/.bin on PATH to use it.
deps_wasm_opt() {
    local tools want have
    tools="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/tools"
    want=$(node -p "require('$tools/package-lock.json').packages['node_modules/binaryen'].version.split('.')[0]")
    have=$("$tools/node_modules/.bin/wasm-opt" --version 2>/dev/null || true)
    if [ "$have" = "wasm-opt version $want (version_$want)" ]; then
        echo "wasm-opt: present: version $want"
        return 0
    fi
    echo "wasm-opt: installing binaryen $want (npm ci --prefix tools)"
    npm ci --prefix "$tools" --no-audit --no-fund --loglevel=error
}

# deps_web_tools: everything scripts/build-app.sh needs: node/npm (Debian's), the wasm32
# target, Trunk, wasm-bindgen-cli, wasm-opt.
deps_web_tools() {
    command -v npm >/dev/null 2>&1 || deps_apt nodejs npm
    deps_rust_targets wasm32-unknown-unknown
    deps_trunk
    deps_wasm_bindgen
    deps_wasm_opt
}
