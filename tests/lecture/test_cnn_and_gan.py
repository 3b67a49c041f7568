"""The cnn_and_gan chapter reproduces its numbers (quick mode) and draws its figures."""

import pytest

from physml.lecture import cnn_and_gan
from physml.lecture.report import Chapter


@pytest.fixture(scope="module")
def result():
    return cnn_and_gan.compute(seed=0, quick=True)


def test_every_number_of_the_chapter_is_reproduced(result):
    failed = [(c.name, c.value, c.reference) for c in result.checks if not c.passed]
    assert failed == []
    names = " ".join(c.name for c in result.checks)
    for topic in ("S38", "S39", "digits", "Ising", "forward KL", "reverse KL", "GAN", "GW"):
        assert topic in names


def test_slide_examples_are_exact(result):
    assert result.check_by_name("S38 convolution example: first output").value == 4
    assert result.data["conv_demo"]["out"].tolist() == [[4, 3, 4], [2, 4, 3], [2, 3, 4]]


def test_figures_are_drawn(result, tmp_path):
    ch = Chapter(name="cnn_and_gan", title=cnn_and_gan.TITLE, quick=True, seed=0, out_dir=tmp_path)
    cnn_and_gan.figures(result, ch)
    assert len(ch.figures) >= 7
    assert all((tmp_path / f.filename).stat().st_size > 5000 for f in ch.figures)


@pytest.mark.slow
def test_second_seed_reproduces_the_numbers():
    r = cnn_and_gan.compute(seed=1, quick=True)
    assert [c.name for c in r.checks if not c.passed] == []
