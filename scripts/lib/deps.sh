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
    export CERTRENEW_TEST_POSTGRES="postgres://certrenew:certrenew@127.0.0.1:$port/postgres"
    echo "postgres: $version/main on port $port"
}
