"""Chapter unsupervised (S22-S27): the numbers reproduce at quick size, and the figures draw."""

import pytest

from physml.lecture import unsupervised
from physml.lecture.report import Chapter


def _assert_reproduced(result):
    failed = [(c.name, c.value, c.reference_text) for c in result.checks if not c.passed]
    assert not failed
    assert all(c.seed == result.seed for c in result.checks)


@pytest.fixture(scope="module")
def result0():
    return unsupervised.compute(seed=0, quick=True)


def test_ising_pca_numbers_reproduce(result0):
    _assert_reproduced(result0)
    assert result0.check_by_name("Ising PCA: explained variance ratio of PC1").value > 0.5
    assert result0.check_by_name("Ising PCA: corr(|PC1 projection| / sqrt(N), |m|)").value > 0.99
    assert result0.check_by_name("Ising PCA: std/mean of |PC1 loadings| (uniform map)").value < 0.1


def test_figures_draw(result0, tmp_path):
    ch = Chapter("unsupervised", unsupervised.TITLE, quick=True, seed=0, out_dir=tmp_path)
    unsupervised.figures(result0, ch)
    assert len(ch.figures) == 5
    for fig in ch.figures:
        assert (tmp_path / fig.filename).stat().st_size > 10_000


@pytest.mark.slow
def test_numbers_reproduce_with_seed_1():
    _assert_reproduced(unsupervised.compute(seed=1, quick=True))
