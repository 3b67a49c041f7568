"""The README is true: its example runs as printed and prints what the README shows and claims."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _numbers(text):
    return [float(v) for v in re.findall(r"-?\d+\.\d+(?:e[-+]?\d+)?", text)]


def test_readme_example_prints_what_the_readme_shows(capsys):
    code = re.search(r"## Ten lines.*?```python\n(.*?)```", README, re.S).group(1)
    shown = re.search(r"## Ten lines.*?prints\n\n```text\n(.*?)```", README, re.S).group(1)
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)
    printed = capsys.readouterr().out
    assert len(printed.splitlines()) == len(shown.splitlines()) == 4
    # the same lines, the same numbers to the printed precision (a last-digit BLAS difference allowed)
    assert [re.sub(r"[-\d.]+", "#", line) for line in printed.splitlines()] == \
           [re.sub(r"[-\d.]+", "#", line) for line in shown.splitlines()]
    assert _numbers(printed) == pytest.approx(_numbers(shown), abs=2e-3)


def test_readme_example_shows_what_its_comments_claim(capsys):
    code = re.search(r"## Ten lines.*?```python\n(.*?)```", README, re.S).group(1)
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)
    lines = capsys.readouterr().out.splitlines()
    train = {int(line.split()[1].rstrip(":")): _numbers(line)[0] for line in lines[:3]}
    val = {int(line.split()[1].rstrip(":")): _numbers(line)[1] for line in lines[:3]}
    # degree 10 fits the training half best and predicts the other half worst
    assert train[10] == max(train.values()) and val[10] == min(val.values())
    assert val[10] < val[1] - 0.3
    # ridge: too little penalty over-fits, too much underfits, the middle one is best
    by_alpha = namespace["val"].mean(axis=1)
    assert by_alpha[1] > by_alpha[0] and by_alpha[1] > by_alpha[2] + 0.2


def test_readme_names_only_what_exists():
    import importlib

    for name in sorted(set(re.findall(r"`(physml(?:\.\w+)+)`", README))):  # a module, or a name in one
        module, _, attr = name.rpartition(".")
        try:
            importlib.import_module(name)
        except ModuleNotFoundError:
            assert hasattr(importlib.import_module(module), attr), name
    for path in sorted(set(re.findall(r"((?:tutorials/\d\d_|tests/|docs/)[\w./]+\.(?:py|md))", README))):
        assert (ROOT / path).exists(), path
    from physml.lecture import available_chapters

    chapters = set(re.findall(r"\| `(\w+)` \| `tutorials/", README))
    assert chapters and chapters <= set(available_chapters())


def _plain(text):
    """Prose without its reST or Markdown markup: ``x``, :role:`x` and `x` -> x; whitespace collapsed."""
    text = re.sub(r":\w+:`([^`]*)`", r"\1", text)
    return " ".join(text.replace("``", "`").replace("`", "").split())


def test_readme_states_the_checksum_and_security_promise_as_io_does():
    # issue 9 item 2: the README says what physml.io's docstring says, no more and no less
    import physml.io

    title = "What the checksums and the loader promise"
    in_docstring = re.search(rf"{title}\n-+\n(.*?)\n\n", physml.io.__doc__, re.S).group(1)
    in_readme = re.search(rf"### {title}\n\n(.*?)\n\n", README, re.S).group(1)
    assert _plain(in_readme) == _plain(in_docstring)
    assert "do not authenticate" in _plain(in_readme) and "never runs code" in _plain(in_readme)
