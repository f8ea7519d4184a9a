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
# Not position-independent (unless CARO_PIE=1): a PIE of this size carries ~100 000 relative relocations
# that ld.so applies (and whose pages it dirties) on every start; without them `caro history add` takes
# 4.2 ms of CPU instead of 7.3 ms and 5.8 M instructions instead of 7.2 M (Docs/benchmarks.md). The price:
# caro's own code and data load at a fixed address (no ASLR for the executable; libraries, stack and heap
# stay randomized). A relay exposed to the internet may prefer CARO_PIE=1.
link_flags=(-Xlinker -no-pie)
if [ "${CARO_PIE:-0}" = "1" ]; then link_flags=(); fi
CARO_STATIC_C=1 swift build -c release --static-swift-stdlib --product caro --scratch-path .build-static "${link_flags[@]}"
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
version=$(env -i PATH=/usr/bin:/bin LD_LIBRARY_PATH= "$binary" --version)
echo "$version"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]] || { echo "release: caro --version printed '$version'" >&2; exit 1; }

if [ -n "$chroot_dir" ]; then
  echo "== caro --version in a minimal Debian chroot ($chroot_dir)"
  if [ ! -x "$chroot_dir/bin/sh" ]; then
    command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap
    debootstrap --variant=minbase bookworm "$chroot_dir"
  fi
  cp "$binary" "$chroot_dir/caro"
  # libstdc++ is the one non-libc library caro needs; minbase has it only through apt, so install it there.
  chroot "$chroot_dir" /bin/sh -c 'test -e /usr/lib/x86_64-linux-gnu/libstdc++.so.6 || (apt-get install -y -qq libstdc++6 >/dev/null)'
  # The static Swift runtime reads its arguments from /proc/self/cmdline: mount /proc as on any real system.
  mountpoint -q "$chroot_dir/proc" || mount -t proc proc "$chroot_dir/proc"
  trap 'umount "$chroot_dir/proc" 2>/dev/null || true; rm -f "$chroot_dir/caro"' EXIT
  version=$(chroot "$chroot_dir" /caro --version)
  echo "$version"
  [ "$version" = "$("$binary" --version)" ] || { echo "release: caro --version in the chroot printed something else" >&2; exit 1; }
fi
ls -l "$binary"
echo "release: $binary is ready"
