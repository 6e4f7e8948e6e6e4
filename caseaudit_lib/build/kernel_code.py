"""The code a warm kernel runs silently on itself: a snapshot at start, a reset between notebooks.

Shared by :class:`caseaudit_lib.build.execution.KernelSession` only, kept apart because it is
Python source sent to the kernel, not code of this process. The snapshot is kept in a module of
its own inside the kernel, so that ``%reset`` (which only empties the user namespace) keeps it;
see the execution module's docstring for what the reset restores and what it cannot.
"""

# Run silently in the kernel once, right after it starts: what a fresh kernel looks like, kept
# in a module of its own so that ``%reset`` (which only empties the user namespace) keeps it.
SNAPSHOT_CODE = """
def _caseaudit_snapshot():
    import os, sys, types, warnings
    state = types.ModuleType("_caseaudit_kernel_state")
    state.environ = dict(os.environ)
    state.path = list(sys.path)
    state.filters = list(warnings.filters)
    sys.modules[state.__name__] = state
_caseaudit_snapshot()
del _caseaudit_snapshot
"""

# Run once in a build's warm kernel, after the preload: the notebooks of one audit share their
# loaded and scored results and the PNGs of the charts they draw alike (keyed by the inputs,
# so a changed input or the next audit is computed afresh). See pipeline.remember_results and
# present.chart_base.remember_pngs.
BUILD_CACHES_CODE = """
(lambda load: (
    load("caseaudit_lib.pipeline").remember_results(True),
    load("caseaudit_lib.present.chart_base").remember_pngs(True),
))(__import__("importlib").import_module)
"""

# Run once after the preload: the objects imported so far leave the collector's sight.
FREEZE_CODE = """
(lambda gc: (gc.collect(), gc.freeze()))(__import__("gc"))
"""

# Run silently before every notebook but the first of a fresh kernel. The reset comes last
# because it also removes the helper function defined here.
RESET_CODE = """
def _caseaudit_reset(cwd):
    import os, sys, warnings
    state = sys.modules["_caseaudit_kernel_state"]
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(state.environ)
    sys.path[:] = state.path
    warnings.filters[:] = state.filters
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    if "matplotlib" in sys.modules:
        # rcParams as read from matplotlibrc at import: undoes seaborn.set_theme and friends.
        sys.modules["matplotlib"].rc_file_defaults()
    if "pandas" in sys.modules:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sys.modules["pandas"].reset_option("all")
    shell = get_ipython()
    shell.run_line_magic("reset", "-f")
    shell.execution_count = 1
_caseaudit_reset({cwd})
"""

# Run silently after an audit's notebooks: its score tables from the results kept in the kernel.
TABLES_CODE = """
(lambda tables: tables.write_kept_tables({audit_id!r}, {params_file!r}, {out_dir!r}))(
    __import__("importlib").import_module("caseaudit_lib.export.tables")
)
"""
