#!/usr/bin/env bash
# Headless Chromium for the browser tests (Debian's package; Playwright's own download
# does not work offline). Installs it when missing and we may use apt.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "installing chromium (Debian package) for the browser tests"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
elif command -v sudo >/dev/null && command -v apt-get >/dev/null; then
  sudo apt-get update -qq
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
else
  echo "Chromium is missing: install it (e.g. 'apt-get install chromium') or set CHROMIUM_PATH." >&2
  exit 1
fi
