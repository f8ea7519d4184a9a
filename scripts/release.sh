#!/usr/bin/env bash
# Builds the release `caro` as one binary and checks it:
#   - the Swift runtime linked statically (--static-swift-stdlib),
#   - libsodium, libwebsockets (with OpenSSL, zlib, libcap) and SQLite linked from Debian's .a archives
#     (CARO_STATIC_C=1, see Package.swift), so only libc, libm, libstdc++ and libgcc_s stay dynamic,
#   - `caro --version` runs with the toolchain off PATH and off the library path.
# With --chroot DIR it also runs `caro --version` inside a minimal Debian made by debootstrap in DIR
# (no Swift toolchain, no -dev packages there; needs debootstrap and a Debian mirror).
#
# Output: .build-static/release/caro (a separate build folder: its manifest differs from the default build's).
set -euo pipefail
cd "$(dirname "$0")/.."
chroot_dir=""
if [ "${1:-}" = "--chroot" ]; then chroot_dir="${2:?--chroot needs a directory}"; fi

scripts/setup.sh
CARO_STATIC_C=1 swift build -c release --static-swift-stdlib --product caro --scratch-path .build-static
binary=.build-static/release/caro

echo "== shared libraries caro needs"
ldd "$binary"
if ldd "$binary" | grep -Eq 'libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime|libicu'; then
  echo "release: the Swift runtime is linked dynamically; expected it inside the binary" >&2
  exit 1
fi
if ldd "$binary" | grep -Eq 'libsodium|libwebsockets|libsqlite3|libssl|libcrypto'; then
  echo "release: a C library is linked dynamically; expected the .a archives (CARO_STATIC_C=1)" >&2
  exit 1
fi

echo "== caro --version without the toolchain on PATH or the library path"
env -i PATH=/usr/bin:/bin LD_LIBRARY_PATH= "$binary" --version

if [ -n "$chroot_dir" ]; then
  echo "== caro --version in a minimal Debian chroot ($chroot_dir)"
  if [ ! -x "$chroot_dir/bin/sh" ]; then
    command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap
    debootstrap --variant=minbase bookworm "$chroot_dir"
  fi
  cp "$binary" "$chroot_dir/caro"
  # libstdc++ is the one non-libc library caro needs; minbase has it only through apt, so install it there.
  chroot "$chroot_dir" /bin/sh -c 'test -e /usr/lib/x86_64-linux-gnu/libstdc++.so.6 || (apt-get install -y -qq libstdc++6 >/dev/null)'
  chroot "$chroot_dir" /caro --version
  rm -f "$chroot_dir/caro"
fi
ls -l "$binary"
echo "release: $binary is ready"
