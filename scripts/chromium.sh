#!/usr/bin/env bash
# Prints the path of a Chromium for the dashboard's browser test: CHROMIUM_PATH, an installed
# chromium, or (as root on Debian/Ubuntu) one installed with apt. Prints nothing and says why on
# stderr when there is none.
set -uo pipefail

find_chromium() {
  for candidate in "${CHROMIUM_PATH:-}" "$(command -v chromium 2>/dev/null)" \
    "$(command -v chromium-browser 2>/dev/null)" "$(command -v google-chrome 2>/dev/null)"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then echo "$candidate"; return 0; fi
  done
  return 1
}

if find_chromium; then exit 0; fi
if [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null; then
  echo "chromium: installing Debian's chromium package for the dashboard test" >&2
  if DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1; }; then
    find_chromium && exit 0
  fi
  echo "chromium: apt-get install chromium failed" >&2
else
  echo "chromium: not found, and this is not a Debian/Ubuntu machine where the test set-up may install it (as root). Install Chromium or set CHROMIUM_PATH." >&2
fi
exit 1
