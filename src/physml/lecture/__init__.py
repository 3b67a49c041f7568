"""The lecture tour: one module per chapter, each reproducing its figures and numbers.

A chapter is any module in this package (other than ``report`` and the private
``_``-modules) that defines ``TITLE``, ``ORDER``, ``SYLLABUS``,
``compute(seed, quick) -> Result`` (numbers and arrays, no matplotlib) and
``figures(result, chapter)`` (drawing only); see :mod:`physml.lecture.report`. :func:`run_lecture` runs the chosen chapters and
writes ``index.html``.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
import traceback
from pathlib import Path

from .report import Chapter, write_html

__all__ = ["available_chapters", "run_lecture"]


def available_chapters() -> list[str]:
    """Names of the chapter modules, in lecture order."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_") or info.name == "report":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "compute"):
            found.append((module.ORDER, info.name))
    return [name for _, name in sorted(found)]


def run_lecture(chapters=None, *, quick=False, out="lecture_report", seed=0, verbose=False):
    """Run chapters and write the HTML report.

    Parameters
    ----------
    chapters : list of str, str or None
        Chapter names (see :func:`available_chapters`); None runs all. A name
        given twice runs once.
    quick : bool
        Small sizes: the whole tour in about a minute.
    out : str or Path
        Output folder (created).
    seed : int
        Base seed of every experiment, >= 0.
    verbose : bool
        Progress bars in a terminal.

    Returns
    -------
    path : Path
        The written ``index.html``.
    results : list of Chapter
    """
    import numbers

    from .. import __version__
    from ..base import check_scalar

    check_scalar(seed, "seed", numbers.Integral, min_val=0)
    names = available_chapters()
    if chapters is None:
        chapters = names
    elif isinstance(chapters, str):
        chapters = [chapters]
    chapters = list(dict.fromkeys(chapters))  # each chapter once
    unknown = [c for c in chapters if c not in names]
    if unknown:
        raise ValueError(f"Unknown chapter(s) {unknown}; available chapters: {names}.")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    results = []
    order = sorted(chapters, key=names.index)
    if verbose and sys.stderr.isatty():
        from tqdm.auto import tqdm

        order = tqdm(order, desc="lecture", unit="chapter")
    for name in order:
        module = importlib.import_module(f"{__name__}.{name}")
        ch = Chapter(name=name, title=module.TITLE, quick=quick, seed=seed, out_dir=out,
                     verbose=verbose, syllabus=getattr(module, "SYLLABUS", ""))
        t0 = time.perf_counter()
        try:
            result = module.compute(seed=seed, quick=quick)
            for c in result.checks:
                ch.check(c.name, c.value, c.reference, c.tol, seed=c.seed, relative=c.relative, note=c.note,
                         kind=c.kind)
            ch.notes.extend(result.notes)
            module.figures(result, ch)
        except Exception:
            ch.error = traceback.format_exc()
        ch.seconds = time.perf_counter() - t0
        results.append(ch)
    path = write_html(results, out, quick=quick, seed=seed, version=__version__)
    return path, results
