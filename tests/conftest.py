"""Settings shared by every test."""

from __future__ import annotations

import os

import matplotlib

# Charts render off-screen in tests and CI.
matplotlib.use("Agg")
# A fixed salt for case pseudonyms, so no test writes the project's secret salt file. Set at
# import time so subprocesses (the console command, notebook kernels, batch workers) inherit it.
os.environ.setdefault("CASEAUDIT_SALT", "caseaudit-test-salt")
