#!/usr/bin/env bash
# The whole test suite: the unit and integration tests of every crate (the host's
# run on real SoftHSM2 tokens, with OpenSC's pkcs11-tool, GnuTLS's p11tool and
# openssl as independent witnesses). Exits non-zero if any test fails.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
# shellcheck source-path=SCRIPTDIR source=lib/deps.sh
source scripts/lib/deps.sh

# The tools the tests call (installed once; skipped quickly afterwards).
deps_apt softhsm2 opensc gnutls-bin openssl
deps_nextest

# Rust: unit and integration tests of the whole workspace.
cargo nextest run --workspace --locked --no-fail-fast
