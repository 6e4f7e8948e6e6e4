#!/usr/bin/env bash
# Install Debian's chromium for the browser test (tests/test_browser.py) and
# caseaudit_lib.browser. Idempotent: does nothing if /usr/bin/chromium is there.
# Never fails the caller: if chromium cannot be installed it says why and exits 0,
# and the browser test skips with a clear message.
set -u

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    echo "chromium already installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "chromium is missing and this script is not running as root;" \
         "run: sudo $0 (the browser test will be skipped until then)"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "chromium is missing and apt-get is not available; install chromium by hand" \
         "at $CHROMIUM (the browser test will be skipped until then)"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
if apt-get update && apt-get install -y --no-install-recommends chromium; then
    echo "chromium installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
else
    echo "could not install chromium with apt-get (no network or no package?);" \
         "the browser test will be skipped"
fi
exit 0
