"""Plotting helpers shared by the lecture chapters (matplotlib's object API only, no pyplot).

The chapters' ``figures(result, ch)`` draw with :meth:`Chapter.subplots` and save
with :meth:`Chapter.figure`, which also sets every tick label to at least
:data:`MIN_FONT` points. What more than one chapter draws lives here.
"""

from __future__ import annotations

import numpy as np

__all__ = ["MIN_FONT", "contour", "legend", "log_ticks", "mark_T_c"]

MIN_FONT = 9
"""Smallest font size (points) of tick labels, legends and panel titles at the saved size."""


def legend(ax, fontsize=MIN_FONT, **kwargs):
    """A legend of at least :data:`MIN_FONT` points (``loc="best"`` unless given)."""
    return ax.legend(fontsize=max(fontsize, MIN_FONT), **kwargs)


def mark_T_c(ax, label=None):
    """A dotted vertical line at Onsager's :math:`T_c` (optionally labelled for the legend)."""
    from ..datasets import T_c

    ax.axvline(T_c, color="0.4", ls=":", lw=1, label=label)


def contour(ax, fun, window, levels, log=True, n=300):
    """Contours of ``fun`` (called on a ``(2, n, n)`` grid) over ``window = ((x0, x1), (y0, y1))``."""
    (x0, x1), (y0, y1) = window
    X, Y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    Z = fun(np.array([X, Y]))
    ax.contour(X, Y, np.log10(Z + 1e-12) if log else Z, levels=levels, colors="0.7", linewidths=0.7)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)


def log_ticks(ax, axis="y"):
    """Plain-number ticks on a log axis, dense enough to read values off (call after plotting)."""
    from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

    target = ax.yaxis if axis == "y" else ax.xaxis
    lo, hi = ax.get_ylim() if axis == "y" else ax.get_xlim()
    decades = np.log10(hi / lo)
    subs = (1.0, 1.2, 1.4, 1.6, 1.8, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0) if decades < 1.2 else \
        (1.0, 2.0, 3.0, 5.0) if decades < 3 else (1.0, 2.0, 5.0) if decades < 6 else (1.0,)
    target.set_major_locator(LogLocator(subs=subs))
    target.set_major_formatter(FormatStrFormatter("%g"))
    target.set_minor_formatter(NullFormatter())
