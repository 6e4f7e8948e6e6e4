#!/usr/bin/env bash
# Install Debian's LibreOffice Calc without a GUI, and the UNO bridge for the system python3, for
# the forms' round trip (tests/test_libreoffice.py: forms filled and saved by LibreOffice as
# .xlsx, .ods and .xls). Idempotent: does nothing if both are already there.
#
# Exits 0 only if soffice and python3-uno are there at the end. When they could not be installed
# it says why in one line and exits 1, so a CI run can never go green without the round trip.
# (`make test` carries on past that failure only where CI is unset: the test then skips, saying
# why, in pytest's summary.)
set -u

PACKAGES="libreoffice-calc-nogui python3-uno"

have_libreoffice() {
    command -v soffice >/dev/null 2>&1 && [ -x /usr/bin/python3 ] &&
        /usr/bin/python3 -c "import uno" >/dev/null 2>&1
}

fail() {
    echo "install-libreoffice: $*" >&2
    exit 1
}

if have_libreoffice; then
    echo "libreoffice already installed: $(command -v soffice)"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    fail "LibreOffice (soffice with python3-uno) is missing and this script is not running as" \
         "root; run: sudo bash $0"
fi

if ! command -v apt-get >/dev/null 2>&1; then
    fail "LibreOffice is missing and apt-get is not available; install $PACKAGES by hand"
fi

export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086 # the package list is split on purpose
if ! { apt-get update && apt-get install -y --no-install-recommends $PACKAGES; } >&2; then
    fail "could not install $PACKAGES with apt-get (no network, or no such package?)"
fi

if have_libreoffice; then
    echo "libreoffice installed: $(command -v soffice)"
    exit 0
fi
fail "apt-get installed $PACKAGES but soffice or python3's uno module is still missing"
