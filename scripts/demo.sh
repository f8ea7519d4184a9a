#!/usr/bin/env bash
# Sets up a fresh Debian machine, builds caro (release) and runs the embedded demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# The Swift runtime is linked statically: caro starts ~4x faster and runs without the toolchain.
swift build -c release --static-swift-stdlib --product caro
exec .build/release/caro demo "$@"
