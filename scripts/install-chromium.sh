#!/usr/bin/env bash
# Install Debian's chromium for the browser checks (tests/test_browser.py, tests/test_report.py)
# and caseaudit_lib.export.browser. Idempotent: does nothing if Chromium is already there.
#
# Exits 0 only if Chromium is there at the end. When it could not be installed it says why in one
# line and exits 1, so a CI run can never go green without opening a report in a browser. (`make
# test` carries on past that failure only where CI is unset: the browser tests then skip, saying
# why, in pytest's summary.)
#
# Looks where caseaudit looks: $CASEAUDIT_CHROMIUM when set (then only there), else
# /usr/bin/chromium, else `chromium` on PATH.
set -u

DEFAULT=/usr/bin/chromium

find_chromium() {
    if [ -n "${CASEAUDIT_CHROMIUM:-}" ]; then
        [ -f "$CASEAUDIT_CHROMIUM" ] && [ -x "$CASEAUDIT_CHROMIUM" ] && echo "$CASEAUDIT_CHROMIUM"
        return
    fi
    if [ -x "$DEFAULT" ]; then
        echo "$DEFAULT"
        return 0
    fi
    command -v chromium
}

fail() {
    echo "install-chromium: $*" >&2
    exit 1
}

if found=$(find_chromium); then
    echo "chromium already installed: $found"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    fail "chromium is missing and this script is not running as root; run: sudo bash $0"
fi

if ! command -v apt-get >/dev/null 2>&1; then
    fail "chromium is missing and apt-get is not available; install chromium at $DEFAULT by hand"
fi

export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update && apt-get install -y --no-install-recommends chromium; } >&2; then
    fail "could not install chromium with apt-get (no network, or no such package?)"
fi

if found=$(find_chromium); then
    echo "chromium installed: $found"
    exit 0
fi
fail "apt-get installed chromium but there is still no Chromium at" \
     "${CASEAUDIT_CHROMIUM:-$DEFAULT} or on PATH"
