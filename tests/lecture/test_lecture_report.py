"""The lecture report: every chapter runs at quick size, reproduces its numbers and writes its figures."""

import re

import pytest

from physml.lecture import available_chapters, run_lecture
from physml.lecture.report import Check

from ._chapters import chapter_result

CHAPTERS = available_chapters()


def test_chapters_are_discovered_in_lecture_order():
    assert CHAPTERS[:4] == ["data", "regression", "optimisation", "neural_networks"]


def test_run_lecture_writes_every_number_and_figure_into_the_html(tmp_path, monkeypatch):
    result = chapter_result("regression", 0)  # computed once per session; run_lecture only draws it here
    monkeypatch.setattr("physml.lecture.regression.compute", lambda seed, quick: result)
    path, (chapter,) = run_lecture(["regression"], quick=True, out=tmp_path, seed=0)
    assert chapter.error is None, chapter.error
    html = path.read_text()
    for fig in chapter.figures:
        assert fig.filename in html and (tmp_path / fig.filename).exists()
    judged = [c for c in chapter.checks if c.kind != "measured"]
    assert len(re.findall(r"class='pass'", html)) == len(judged) == sum(c.passed for c in judged)


# A row whose reference is physml's own output checks nothing: its name or note gives it away.
_OWN_OUTPUT = re.compile(r"physml|this seed|same seed|own (result|output|run)|at full size", re.IGNORECASE)


@pytest.mark.parametrize("name", CHAPTERS)
def test_every_row_has_a_seed_and_an_independent_reference(name):
    # issue 13 item 1, for every chapter module, those of later chapters included
    result = chapter_result(name, 0)
    for c in result.checks:
        assert isinstance(c.seed, int), f"{c.name}: no seed"
        assert c.kind in ("equal", "below", "above", "measured"), c.kind
        if c.kind == "equal":
            assert not _OWN_OUTPUT.search(f"{c.name} {c.note}"), f"{c.name}: reference is physml's own output"
            # "reference 0 within tol" is the inequality |value| < tol: record it with check_below
            assert c.reference != 0 or c.tol == 0, f"{c.name}: an inequality shown as reference 0 +- {c.tol}"
    names = [c.name for c in result.checks]
    assert len(names) == len(set(names)), "a quantity appears twice in the table"


def test_unknown_chapter_is_rejected_with_the_list_of_chapters(tmp_path):
    with pytest.raises(ValueError, match="available chapters"):
        run_lecture(["no_such_chapter"], out=tmp_path)


@pytest.mark.parametrize(("seed", "error"), [(-1, ValueError), (1.5, TypeError), (True, TypeError)])
def test_bad_seed_is_rejected_before_any_chapter_runs(tmp_path, seed, error):
    with pytest.raises(error, match="seed"):
        run_lecture(["regression"], out=tmp_path, seed=seed)
    assert not (tmp_path / "index.html").exists()


def test_a_chapter_named_twice_or_as_a_string_runs_once(tmp_path, monkeypatch):
    import physml.lecture as lecture

    from physml.lecture.report import Result

    ran = []
    monkeypatch.setattr(lecture, "available_chapters", lambda: ["regression"])
    monkeypatch.setattr("physml.lecture.regression.compute", lambda seed, quick: Result(seed, quick))
    monkeypatch.setattr("physml.lecture.regression.figures", lambda result, ch: ran.append(ch.name))
    _, results = run_lecture(["regression", "regression"], out=tmp_path)
    assert ran == ["regression"] and [c.name for c in results] == ["regression"]
    _, results = run_lecture("regression", out=tmp_path)
    assert ran == ["regression"] * 2 and len(results) == 1


@pytest.mark.parametrize(("value", "reference", "tol", "relative", "passed"), [
    (1.0, 1.0, 0.0, False, True),
    (1.1, 1.0, 0.05, False, False),
    (1.1, 1.0, 0.2, True, True),
    (-2.0, 1.0, 2.9, False, False),
])
def test_check_pass_rule(value, reference, tol, relative, passed):
    assert Check("x", value, reference, tol, relative=relative).passed is passed


@pytest.mark.parametrize(("kind", "value", "bound", "passed", "text"), [
    ("below", 0.05, 0.1, True, "< 0.1"),
    ("below", 0.1, 0.1, False, "< 0.1"),
    ("above", 0.995, 0.99, True, "> 0.99"),
    ("above", float("nan"), 0.99, False, "> 0.99"),
])
def test_inequality_checks_are_shown_as_inequalities(kind, value, bound, passed, text):
    from physml.lecture.report import Result

    r = Result(seed=3)
    c = (r.check_below if kind == "below" else r.check_above)("q", value, bound, seed=3)
    assert c.passed is passed
    assert c.reference_text == text
    assert c.seed == 3


def test_measured_row_has_no_reference_and_never_fails():
    from physml.lecture.report import Result

    c = Result().measured("epochs", 123, seed=0)
    assert c.passed and c.reference_text == "" and c.kind == "measured"


def test_figure_text_is_at_least_9_pt_as_displayed_in_the_page(tmp_path):
    # issue 13 item 2: a 14-inch figure is shown 1060 px wide, scaled by 1060 / (14 * 110) = 0.69
    from physml.lecture import report

    ch = report.Chapter(name="t", title="t", out_dir=tmp_path)
    fig, (ax0, ax1) = ch.subplots(1, 2, figsize=(14, 4))
    ax0.plot([1, 2], [3, 4], label="a line")
    ax0.legend(fontsize=6)
    ax0.set_xlabel("x (m)", fontsize=5)
    ax1.set_title("small", fontsize=7)
    ax1.tick_params(labelsize=4)
    ch.figure(fig, "wide", title="A wide figure " * 20, finding="-")
    scale = report._PAGE_PX / (14 * report._DPI)
    texts = [ax0.xaxis.label, ax1.title, *ax0.get_legend().get_texts(), *ax1.get_xticklabels(), fig._suptitle]
    assert all(t.get_fontsize() * scale >= report.MIN_FONT - 1e-9 for t in texts)
    assert "\n" in fig._suptitle.get_text()  # the long title is wrapped to the figure's width
    assert ch.figures[0].title == "A wide figure " * 20  # the caption keeps it whole
