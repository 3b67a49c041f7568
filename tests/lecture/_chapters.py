"""Each chapter's ``compute`` runs once per (chapter, seed) and test session; every test reads that result."""

import functools
import importlib


@functools.lru_cache(maxsize=None)
def chapter_result(name, seed):
    """``compute(seed, quick=True)`` of chapter ``name``, computed once per test session."""
    module = importlib.import_module(f"physml.lecture.{name}")
    return module.compute(seed=seed, quick=True)


def assert_reproduced(result, min_checks=3):
    """Every number of ``result`` within its tolerance (measured rows are never judged)."""
    failed = [(c.name, c.value, c.reference_text) for c in result.checks if not c.passed]
    assert not failed
    assert len(result.checks) >= min_checks


def draw(name, result, tmp_path, min_figures=3):
    """Draw ``result``'s figures once into ``tmp_path``; returns the Chapter."""
    from physml.lecture.report import Chapter

    module = importlib.import_module(f"physml.lecture.{name}")
    ch = Chapter(name=name, title=module.TITLE, quick=True, seed=result.seed, out_dir=tmp_path)
    module.figures(result, ch)
    assert len(ch.figures) >= min_figures
    for fig in ch.figures:
        assert (tmp_path / fig.filename).stat().st_size > 10_000  # a real plot, not an empty canvas
        assert fig.title and fig.finding
    return ch
