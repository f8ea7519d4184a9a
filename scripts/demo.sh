#!/usr/bin/env bash
# Sets up a fresh Debian machine, builds caro (release) and runs the embedded demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product caro
exec .build/release/caro demo "$@"
