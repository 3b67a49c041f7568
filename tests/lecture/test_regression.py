"""The regression chapter (S1-S4) reproduces its numbers through compute alone, and draws them once."""

import pytest

from ._chapters import assert_reproduced, chapter_result, draw


def test_quick_numbers_reproduce_with_seed_0():
    r = chapter_result("regression", 0)
    assert_reproduced(r, min_checks=8)
    # the closed-form least-squares solution and the one-SE rule's choice for f = 2x
    assert r.check_by_name("degree chosen by 5-fold CV (one-SE rule), f(x) = 2x with sigma = 1").value == 1
    assert r.data["cv"]["laws"]["linear"]["chosen"] == 1


def test_figures_are_drawn_from_the_result(tmp_path):
    ch = draw("regression", chapter_result("regression", 0), tmp_path, min_figures=4)
    assert [f.filename for f in ch.figures] == ["regression_fits.png", "regression_errors_vs_degree.png",
                                                "regression_ridge.png", "regression_cv_degree.png"]


@pytest.mark.slow
def test_quick_numbers_reproduce_with_seed_1():  # no number is tuned to one seed
    assert_reproduced(chapter_result("regression", 1), min_checks=8)
