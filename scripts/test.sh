#!/usr/bin/env bash
# The whole test suite: the unit and integration tests of every crate (the host's
# run on real SoftHSM2 tokens, with OpenSC's pkcs11-tool, GnuTLS's p11tool and
# openssl as independent witnesses; the server's over real HTTP on loopback), then
# the server's tests once more on PostgreSQL, then the Windows installation under Wine
# (scripts/test-windows.sh) and the Linux package (scripts/test-deb.sh), then the
# browser lane in a real headless Chromium: the extension's tests, and the end-to-end
# tests of the web app (built into dist/ by scripts/build-app.sh, served by
# certrenew-server). Exits non-zero if any test fails.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
# shellcheck source-path=SCRIPTDIR source=lib/deps.sh
source scripts/lib/deps.sh

# The tools the tests call (installed once; skipped quickly afterwards).
deps_apt softhsm2 opensc gnutls-bin openssl sqlite3 python3-aiosmtpd
deps_nextest
deps_postgres
deps_pkilint

# Rust: unit and integration tests of the whole workspace, on SQLite.
status=0
env -u CERTRENEW_TEST_POSTGRES cargo nextest run --workspace --locked --no-fail-fast || status=$?

# The server's tests again on PostgreSQL (each test makes and drops its database).
# Selected from the workspace build above: `-p server` alone resolves features
# differently and recompiled the server and its tests (4 minutes of CI).
echo "== server tests on PostgreSQL"
cargo nextest run --workspace --locked --no-fail-fast -E 'package(server)' || status=$?

# The Windows installation under Wine: the release exe installs itself in a fresh
# prefix, answers hello, repairs, uninstalls (scripts/test-windows.sh).
echo "== windows tests under Wine"
scripts/test-windows.sh || status=$?

# The Linux package: built (cargo-deb, lintian), installed with dpkg, purged
# (scripts/test-deb.sh).
echo "== deb package"
scripts/test-deb.sh || status=$?

# The browser lane: Debian's Chromium with the real extension, host and SoftHSM tokens,
# driven by Playwright (node's test runner). Never `npx playwright install`. The e2e
# tests run the debug server and host against the web app in dist/ (rebuilt here when
# its sources changed); a CJK font makes their screenshots readable.
echo "== browser tests"
deps_apt chromium fonts-wqy-microhei
lane="test"
# The binaries (server, host, the test token's library) are the ones the Rust tests
# above built: the same package selection and targets, so the same features and nothing
# to compile. `-p server -p native-host -p testtoken` resolved features differently and
# recompiled 157 crates (3 min 18 s of CI).
if ! { cargo build --workspace --all-targets --locked && scripts/build-app.sh; }; then
    echo "test.sh: building the server, the host, the test token or the web app failed: e2e tests not run" >&2
    status=1
    lane="test:extension"
fi
(cd tests && npm ci --no-audit --no-fund --loglevel=error && npm run "$lane") || status=$?
exit "$status"
