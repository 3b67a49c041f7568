"""The data chapter reproduces its numbers through compute alone, and draws them once."""

import pytest

from ._chapters import assert_reproduced, chapter_result, draw


def test_quick_numbers_reproduce_with_seed_0():
    assert_reproduced(chapter_result("data", 0), min_checks=5)


def test_figures_are_drawn_from_the_result(tmp_path):
    draw("data", chapter_result("data", 0), tmp_path, min_figures=5)


@pytest.mark.slow
def test_quick_numbers_reproduce_with_seed_1():  # no number is tuned to one seed
    assert_reproduced(chapter_result("data", 1), min_checks=5)
