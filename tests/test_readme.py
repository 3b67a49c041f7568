"""The README's example runs as printed and shows what it claims."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_runs_and_ridge_curve_has_an_interior_shape(capsys):
    code = re.search(r"```python\n(.*?)```", README.read_text(), re.S).group(1)
    namespace = {}
    exec(compile(code, str(README), "exec"), namespace)
    train, val = namespace["train"], namespace["val"]
    assert train.shape == val.shape == (3, 5)
    # too strong a penalty (alpha = 100) underfits: validation R^2 drops well below the mild ones
    assert val.mean(axis=1)[2] < val.mean(axis=1)[1] - 0.2
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[:3]] == ["1", "3", "10"]
