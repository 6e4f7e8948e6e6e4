"""What Jupyter does for each cell, without Jupyter: rich display and inline figures."""
import json

import matplotlib

matplotlib.use("Agg")
import IPython.display
import matplotlib.pyplot as plt
from IPython.core.formatters import DisplayFormatter
from IPython.core.pylabtools import print_figure
from matplotlib.figure import Figure

_formatter = DisplayFormatter()


def display(*objs, raw=False, **kwargs):
    """Compute every representation a kernel would send (HTML, Markdown, PNG...)."""
    for obj in objs:
        if raw:
            json.dumps(obj, default=str)
        elif isinstance(obj, Figure):
            print_figure(obj, "png", bbox_inches="tight")  # the inline backend's own call
        elif obj is not None:
            _formatter.format(obj)


def flush():
    """Render and close every open figure, as the inline backend does after each cell."""
    for num in plt.get_fignums():
        display(plt.figure(num))
    plt.close("all")


IPython.display.display = display
plt.show = lambda *args, **kwargs: flush()
