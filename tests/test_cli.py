"""The command line: bad arguments give one clean line and exit code 2, never a traceback."""

import subprocess
import sys

import numpy as np
import pytest

from physml.cli import _parse_range, main


def test_parse_range_start_stop_step_and_list():
    assert _parse_range("0.25:1.0:0.25") == [0.25, 0.5, 0.75, 1.0]
    assert _parse_range("1.5,2.0") == [1.5, 2.0]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["ising", "--temperatures", "abc"], "expected comma-separated temperatures"),
        (["ising", "--temperatures", "1:0:1"], "start <= stop"),
        (["ising", "--temperatures", "nan,1"], "finite and > 0"),
        (["ising", "--temperatures", "inf"], "finite and > 0"),
        (["ising", "--temperatures=-1,2"], "finite and > 0"),
        (["ising", "--temperatures", "0,2"], "finite and > 0"),
        (["ising", "--temperatures", "1:nan:0.1"], "finite start <= stop"),
        (["ising", "--temperatures", "1:1e6:1e-6"], "more than 10000 temperatures"),
        (["ising", "--seed", "-1"], "expected an integer >= 0"),
        (["lecture", "--seed", "-3"], "expected an integer >= 0"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["ising", "--L", "0", "--n", "2", "--temperatures", "2"], "L must be >= 2"),
        (["ising", "--L", "4", "--n", "0", "--temperatures", "2"], "n_per_temperature must be >= 1"),
        (["lecture", "--chapters", "nope"], "Unknown chapter(s) ['nope']"),
        (["lecture", "--chapters", ","], "Unknown chapter(s) ['']"),
        (["tutorial", "no_such_tutorial"], "matches 0 tutorials"),
    ],
)
def test_bad_values_return_2_with_a_message(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_ising_out_folder_and_lecture_out_file_are_refused(tmp_path, capsys):
    assert main(["ising", "--L", "4", "--n", "2", "--temperatures", "2", "--out", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
    blocker = tmp_path / "report"
    blocker.write_text("a file where the report folder should go")
    assert main(["lecture", "--chapters", "regression", "--quick", "--out", str(blocker)]) == 2
    assert "cannot write the report" in capsys.readouterr().err


def test_ising_writes_the_configurations(tmp_path):
    out = tmp_path / "ising.npz"
    assert main(["ising", "--L", "4", "--n", "3", "--temperatures", "1.5,3.0", "--no-cache", "--out", str(out)]) == 0
    with np.load(out, allow_pickle=False) as f:
        X, T = f["X"], f["T"]
    assert X.shape == (6, 16) and sorted(set(T.tolist())) == [1.5, 3.0]
    assert set(np.unique(X).tolist()) <= {-1, 1}


def test_python_dash_m_physml_runs_the_cli():
    result = subprocess.run([sys.executable, "-m", "physml", "lecture", "--chapters", "nope"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "Unknown chapter" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("repeats", ["0", "-2", "x"])
def test_bench_runner_rejects_bad_repeats_before_running(repeats):
    from pathlib import Path

    run_py = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"
    result = subprocess.run([sys.executable, str(run_py), "regression", "--repeats", repeats],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "--repeats" in result.stderr and "Traceback" not in result.stderr


def test_lecture_exit_status_says_whether_every_number_reproduced(tmp_path, monkeypatch, capsys):
    from physml.lecture import report

    out = tmp_path / "report"
    assert main(["lecture", "--chapters", "regression", "--quick", "--quiet", "--out", str(out)]) == 0
    assert (out / "index.html").exists()
    # the same run with every reference moved away from its value: report written, exit status 1
    original = report.Chapter.check

    def shifted(self, name, value, reference, tol, **kwargs):
        return original(self, name, value, reference + 10 * tol + 1.0, tol, **kwargs)

    monkeypatch.setattr(report.Chapter, "check", shifted)
    assert main(["lecture", "--chapters", "regression", "--quick", "--quiet", "--out", str(out)]) == 1
    assert "not reproduced: regression:" in capsys.readouterr().err
