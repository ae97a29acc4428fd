#!/usr/bin/env bash
# Create the venv when Python's venv module is missing (Debian's python3 without python3-venv).
set -euo pipefail
python=$1 venv=$2
version=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing python${version}-venv"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "python${version}-venv" >/dev/null || \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  rm -rf "$venv"
  exec "$python" -m venv "$venv"
fi
echo "Python's venv module is missing; install it with: sudo apt-get install -y python3-venv" >&2
exit 1
