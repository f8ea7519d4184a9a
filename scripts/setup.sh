#!/usr/bin/env bash
# Installs the system packages caro-sync builds against (Debian/Ubuntu), if they are missing.
set -euo pipefail
# bash, zsh and fish: the shell-hook tests run real shells; tmux: terminal tests; sqlite3: a baseline and a repair tool.
# faketime: the fault-injection test of a device clock a year off.
packages=(libsodium-dev libwebsockets-dev libsqlite3-dev pkg-config bash zsh fish tmux sqlite3 faketime)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "Installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
if ! command -v swift >/dev/null 2>&1; then
  echo "swift is not on PATH: install the Swift 6.x toolchain (swift.org) and retry." >&2
  exit 1
fi
