#!/usr/bin/env bash
# The landing page's browser test (test/browser/) drives a real headless Chromium through
# puppeteer-core, which downloads no browser of its own: it runs Debian's `chromium` package at
# /usr/bin/chromium. Install it when missing and we may (root with apt-get); otherwise say how.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: installing Debian package 'chromium' (headless browser for test/browser) ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq chromium >&2
  exit 0
fi
echo "ensure-chromium: /usr/bin/chromium not found. Install it first: sudo apt-get install chromium" >&2
exit 1
