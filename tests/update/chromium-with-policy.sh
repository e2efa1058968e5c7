#!/bin/sh
# Starts Debian's Chromium for tests/update/ (Playwright's executablePath).
#
#   CERTRENEW_CHROMIUM      the browser (/usr/bin/chromium)
#   CERTRENEW_POLICY_ETC    optional: a folder shown to this browser, and to nothing else, as
#                           /etc/chromium (a copy of it plus policies/managed/*.json), by a
#                           bind mount in a private mount namespace (unshare, needs root)
#   CERTRENEW_CHROMIUM_LOG  optional: the browser's stderr (its --enable-logging output) goes here
#
# Managed policies apply to every Chromium on the machine while their file is in
# /etc/chromium/policies/managed; the private namespace keeps the test's policy away from
# any other browser running at the same time.
set -eu
if [ -n "${CERTRENEW_CHROMIUM_LOG:-}" ]; then
    exec 2>>"$CERTRENEW_CHROMIUM_LOG"
fi
if [ -n "${CERTRENEW_POLICY_ETC:-}" ]; then
    exec unshare --mount --propagation private \
        sh -c 'mount --bind "$CERTRENEW_POLICY_ETC" /etc/chromium && exec "$CERTRENEW_CHROMIUM" "$@"' sh "$@"
fi
exec "$CERTRENEW_CHROMIUM" "$@"
