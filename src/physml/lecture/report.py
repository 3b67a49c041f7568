r"""The lecture report: chapters record figures and reproduced numbers; this module writes the HTML.

A chapter module in :mod:`physml.lecture` defines ``TITLE`` (str), ``ORDER``
(int, its place in the lecture), ``SYLLABUS`` (the items it covers, e.g.
"S1-S4") and two functions, which keep computing apart from drawing:

``compute(seed, quick) -> Result``
    Runs the experiments and records the reproduced numbers (no matplotlib);
    the tests assert the numbers through this function alone.
``figures(result, ch)``
    Draws the figures of a :class:`Result` into the :class:`Chapter` it is given.

>>> def compute(seed, quick):
...     r = Result(seed=seed, quick=quick)
...     r.data["x"] = [0.0, 1.0]
...     r.check("slope", value=1.0, reference=1.0, tol=1e-12, seed=seed, note="closed form")
...     r.check_below("training error", value=0.01, bound=0.1, seed=seed)
...     return r
>>> def figures(result, ch):
...     fig, ax = ch.subplots()
...     ax.plot(result.data["x"], result.data["x"])
...     ch.figure(fig, "line", title="A line is a line", finding="One sentence on what it shows.")

A reference is independent of physml (a closed form, a published number, a
peer library's result on the same data); an inequality is recorded as one
(:meth:`Result.check_below`, :meth:`Result.check_above`); a number without an
independent reference is :meth:`Result.measured` (shown, not judged). Every
row carries its seed. Shared plotting helpers live in :mod:`physml.lecture._plotting`;
:meth:`Chapter.figure` enlarges any text below 9 pt as the figure is displayed
in the page (wide figures are shown scaled down).
"""

from __future__ import annotations

import html
import os
import textwrap
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from matplotlib.figure import Figure

__all__ = ["Chapter", "Check", "FigureEntry", "Result", "write_html"]


@dataclass
class Check:
    """A number the lecture reproduces, with its reference value and tolerance.

    ``kind`` says what is checked: "equal" (``|value - reference| <= tol``,
    relative if asked), "below" (``value < reference``), "above"
    (``value > reference``) or "measured" (shown, never judged: no
    independent reference exists).
    """

    name: str
    value: float
    reference: float
    tol: float
    seed: int | None = None
    relative: bool = False
    note: str = ""
    kind: str = "equal"

    @property
    def passed(self) -> bool:
        if self.kind == "measured":
            return True
        if self.value != self.value:  # NaN never passes
            return False
        if self.kind == "below":
            return bool(self.value < self.reference)
        if self.kind == "above":
            return bool(self.value > self.reference)
        err = abs(self.value - self.reference)
        if self.relative:
            err /= max(abs(self.reference), 1e-300)
        return bool(err <= self.tol)

    @property
    def reference_text(self) -> str:
        """The reference as a reader should see it: "2.269 +- 0.01", "< 0.1", "> 0.99", or "" (measured)."""
        if self.kind == "measured":
            return ""
        if self.kind == "below":
            return f"< {_fmt(self.reference)}"
        if self.kind == "above":
            return f"> {_fmt(self.reference)}"
        tol = f"{_fmt(self.tol * 100)}%" if self.relative else _fmt(self.tol)
        return f"{_fmt(self.reference)} +- {tol}"


@dataclass
class Result:
    """What a chapter's ``compute(seed, quick)`` returns: numbers and arrays, no figures.

    ``data`` holds whatever ``figures`` needs (arrays, fitted models' numbers);
    ``checks`` the reproduced numbers; ``notes`` paragraphs of text.
    """

    seed: int = 0
    quick: bool = False
    data: dict = field(default_factory=dict)
    checks: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def check(self, name, value, reference, tol, *, seed, relative=False, note=""):
        """Record ``value`` against an independent ``reference`` within ``tol``."""
        c = Check(name, float(value), float(reference), float(tol), seed, relative, note, "equal")
        self.checks.append(c)
        return c

    def check_below(self, name, value, bound, *, seed, note=""):
        """Record the claim ``value < bound``."""
        c = Check(name, float(value), float(bound), 0.0, seed, False, note, "below")
        self.checks.append(c)
        return c

    def check_above(self, name, value, bound, *, seed, note=""):
        """Record the claim ``value > bound``."""
        c = Check(name, float(value), float(bound), 0.0, seed, False, note, "above")
        self.checks.append(c)
        return c

    def measured(self, name, value, *, seed, note=""):
        """Record a number that has no independent reference: shown, not judged."""
        c = Check(name, float(value), float("nan"), 0.0, seed, False, note, "measured")
        self.checks.append(c)
        return c

    def check_by_name(self, name) -> Check:
        """The check called ``name`` (for tests)."""
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(f"no check named {name!r}; have {[c.name for c in self.checks]}")


@dataclass
class FigureEntry:
    """A saved figure: its file, a title stating the finding, and one or two sentences."""

    filename: str
    title: str
    finding: str


@dataclass
class Chapter:
    """What one chapter run produces: figures and checks, written under ``out_dir``.

    Parameters
    ----------
    name : str
        Module name of the chapter (also the prefix of its figure files).
    title : str
        Human title.
    quick : bool
        Run at a small size (seconds instead of minutes).
    seed : int
        Base seed; every random experiment derives its seed from it.
    out_dir : Path
        Folder the PNG files go to.
    verbose : bool
        Show progress bars (only when stderr is a terminal).
    """

    name: str
    title: str
    quick: bool = False
    seed: int = 0
    out_dir: Path = Path(".")
    verbose: bool = False
    syllabus: str = ""
    figures: list = field(default_factory=list)
    checks: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0

    def subplots(self, nrows=1, ncols=1, figsize=None, **kwargs):
        """A new matplotlib figure (no pyplot, no global state) and its axes."""
        if figsize is None:
            figsize = (4.8 * ncols, 3.8 * nrows)
        fig = Figure(figsize=figsize, layout="constrained")
        axes = fig.subplots(nrows, ncols, **kwargs)
        return fig, axes

    def figure(self, fig: Figure, name: str, *, title: str, finding: str) -> Path:
        """Save ``fig`` as ``<chapter>_<name>.png``; ``title`` states the finding, not the data.

        Text smaller than :data:`MIN_FONT` points as displayed in the page (a figure wider than
        the page is shown scaled down) is enlarged to that size: tick labels, axis labels,
        panel titles and legends.
        """
        suptitle = fig.suptitle(title)
        _readable(fig)
        # wrap the title to the figure's width (about 0.55 em per character)
        size_px = suptitle.get_fontsize() * _DPI / 72
        suptitle.set_text("\n".join(textwrap.wrap(title, max(20, int(fig.get_figwidth() * _DPI / (0.55 * size_px))))))
        filename = f"{self.name}_{name}.png"
        path = Path(self.out_dir) / filename
        fig.savefig(path, dpi=_DPI)
        self.figures.append(FigureEntry(filename, title, finding))
        return path

    def check(self, name, value, reference, tol, *, seed, relative=False, note="", kind="equal") -> Check:
        """Record one row of the chapter's table (:func:`run_lecture` copies a :class:`Result`'s rows here)."""
        c = Check(name, float(value), float(reference), float(tol), seed, relative, note, kind)
        self.checks.append(c)
        return c

    def note(self, text: str) -> None:
        """A paragraph of text under the chapter's title."""
        self.notes.append(text)

    def progress(self, iterable, desc: str = "", total=None):
        """Wrap ``iterable`` in a tqdm bar when verbose and in a terminal."""
        if self.verbose and sys.stderr.isatty():
            from tqdm.auto import tqdm

            return tqdm(iterable, desc=f"{self.name}: {desc}", total=total, leave=False)
        return iterable


_DPI = 110
_PAGE_PX = 1060  # width of a figure in the page: body max-width 1100 px minus the figure's border and margins
MIN_FONT = 9
"""Smallest text size (points) of a figure as displayed in the report page."""


def _readable(fig: Figure) -> None:
    """Enlarge every text of ``fig`` below :data:`MIN_FONT` points as displayed in the page."""
    scale = min(1.0, _PAGE_PX / (fig.get_figwidth() * _DPI))
    least = MIN_FONT / scale
    texts = [fig._suptitle] if fig._suptitle is not None else []
    for ax in fig.axes:
        texts += [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label]
        texts += ax.get_xticklabels(which="both") + ax.get_yticklabels(which="both")
        texts += [ax.xaxis.get_offset_text(), ax.yaxis.get_offset_text()]
        if ax.get_legend() is not None:
            texts += ax.get_legend().get_texts()
        ax.tick_params(axis="both", which="both", labelsize=max(least, _tick_size(ax)))
    for t in texts:
        if t.get_fontsize() < least:
            t.set_fontsize(least)


def _tick_size(ax) -> float:
    labels = ax.get_xticklabels() + ax.get_yticklabels()
    return max((t.get_fontsize() for t in labels), default=0.0)


_CSS = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }
h1 { border-bottom: 2px solid #444; } h2 { margin-top: 2em; border-bottom: 1px solid #aaa; }
table { border-collapse: collapse; margin: 1em 0; } td, th { border: 1px solid #ccc; padding: 4px 8px; }
th { background: #f0f0f0; } .pass { color: #17702b; font-weight: bold; } .fail { color: #b00020; font-weight: bold; }
figure { margin: 1.5em 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: 0.95em; } .err { background: #fee; padding: 1em; white-space: pre-wrap; }
.meta { color: #666; font-size: 0.9em; }
"""


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def write_html(chapters: list[Chapter], out_dir: Path, *, quick: bool, seed: int, version: str) -> Path:
    """Write ``out_dir/index.html`` for the chapters that ran; returns its path."""
    e = html.escape
    n_checks = sum(len(c.checks) for c in chapters)
    n_pass = sum(ch.passed for c in chapters for ch in c.checks)
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>physml lecture report</title><style>{_CSS}</style></head><body>",
        "<h1>Topical Lectures on Machine Learning, reproduced by physml</h1>",
        f"<p class='meta'>physml {e(version)}; {'quick' if quick else 'full'} size; base seed {seed}; "
        f"{n_pass} of {n_checks} reproduced numbers within tolerance; generated {time.strftime('%Y-%m-%d %H:%M')}.</p>",
        "<ol>",
    ]
    parts += [f"<li><a href='#{e(c.name)}'>{e(c.title)}</a> ({e(c.syllabus)})</li>" for c in chapters]
    parts.append("</ol>")
    for c in chapters:
        parts.append(f"<h2 id='{e(c.name)}'>{e(c.title)} <span class='meta'>({e(c.syllabus)}, {c.seconds:.1f} s)</span></h2>")
        if c.error:
            parts.append(f"<div class='err'>This chapter failed:\n{e(c.error)}</div>")
        parts += [f"<p>{e(n)}</p>" for n in c.notes]
        if c.checks:
            parts.append("<table><tr><th>quantity</th><th>physml</th><th>reference</th>"
                         "<th>seed</th><th>result</th><th>note</th></tr>")
            for ch in c.checks:
                if ch.kind == "measured":
                    status = "<span class='meta'>measured</span>"
                else:
                    status = "<span class='pass'>pass</span>" if ch.passed else "<span class='fail'>FAIL</span>"
                parts.append(
                    f"<tr><td>{e(ch.name)}</td><td>{_fmt(ch.value)}</td><td>{e(ch.reference_text)}</td>"
                    f"<td>{'' if ch.seed is None else ch.seed}</td><td>{status}</td><td>{e(ch.note)}</td></tr>"
                )
            parts.append("</table>")
        for f in c.figures:
            parts.append(
                f"<figure><img src='{e(f.filename)}' alt='{e(f.title)}'>"
                f"<figcaption><b>{e(f.title)}.</b> {e(f.finding)}</figcaption></figure>"
            )
    parts.append("</body></html>")
    path = Path(out_dir) / "index.html"
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text("\n".join(parts), encoding="utf-8")
    os.replace(tmp, path)
    return path
