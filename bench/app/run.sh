#!/usr/bin/env bash
# The web app's size and time-to-certificate-list (bench/README.md, "Web app").
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/build-app.sh
cargo build -p server -p native-host
(cd tests && npm ci --silent)
node bench/app/bench.mjs "${1:-30}"
