#!/usr/bin/env bash
# Install what the PDF engine (WeasyPrint, a Python dependency) needs from Debian: Pango (with
# HarfBuzz and fontconfig under it) and the Liberation fonts the report's font stack falls back
# to. Idempotent: does nothing if WeasyPrint already loads in the project's environment.
#
# Exits 0 only if WeasyPrint loads at the end. When it could not be installed it says why in one
# line and exits 1, so a CI run can never go green without printing a PDF (`make report` and
# `make test` carry on past that failure only where CI is unset: the build then skips the PDFs
# with one line, and the PDF tests skip saying why).
set -u

PYTHON=${PYTHON:-.venv/bin/python}
[ -x "$PYTHON" ] || PYTHON=python3
PACKAGES="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation2"

loads() {
    "$PYTHON" -c 'from caseaudit_lib.export.pdf_engine import engine_version; print(engine_version())' 2>/dev/null
}

fail() {
    echo "install-pdf-engine: $*" >&2
    exit 1
}

if found=$(loads); then
    echo "PDF engine ready: WeasyPrint $found"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    fail "WeasyPrint cannot load (Pango missing?) and this script is not running as root; run: sudo bash $0"
fi
if ! command -v apt-get >/dev/null 2>&1; then
    fail "WeasyPrint cannot load and apt-get is not available; install Pango 1.44 or newer by hand"
fi

export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086 # the list is meant to split
if ! { apt-get install -y --no-install-recommends $PACKAGES ||
       { apt-get update && apt-get install -y --no-install-recommends $PACKAGES; }; } >&2; then
    fail "could not install $PACKAGES with apt-get (no network, or no such package?)"
fi

if found=$(loads); then
    echo "PDF engine installed: WeasyPrint $found"
    exit 0
fi
reason=$("$PYTHON" -c 'from caseaudit_lib.export.pdf_engine import engine_version; engine_version()' 2>&1 | tail -1)
fail "Pango is installed but WeasyPrint still cannot load: $reason"
