"""The command line fails in one line: exit status 2, the flag's name, no traceback, no work wasted."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from physml.cli import _flag_names, _parse_range, build_parser, main

SRC = str(Path(__file__).resolve().parents[1] / "src")


def _run(*argv, **kwargs):
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "physml", *argv], capture_output=True, text=True,
                          timeout=120, env=env, **kwargs)


def _one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and "usage:" not in err
    return lines[0]


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
        (["ising", "--L", "x"], "argument --L: expected an integer, got 'x'"),
        (["ising", "--bogus"], "unrecognized arguments: --bogus"),
        (["lecture", "--seed", "-3"], "expected an integer >= 0"),
        (["cache", "purge"], "invalid choice: 'purge'"),
        (["nope"], "invalid choice: 'nope'"),
        ([], "required: COMMAND"),
    ],
)
def test_argparse_errors_are_one_line_and_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    line = _one_error_line(capsys.readouterr().err)
    assert line.startswith("physml") and message in line


@pytest.mark.parametrize(
    "argv, message",
    [
        # the library's names (n_per_temperature, L) become the flags (--n, --L)
        (["ising", "--L", "1", "--n", "2", "--temperatures", "2"], "physml ising: --L must be"),
        (["ising", "--L", "4", "--n", "0", "--temperatures", "2"], "physml ising: --n must be"),
        (["ising", "--L", "4", "--n", "2", "--temperatures", "2", "--n-jobs", "0", "--no-cache"], "--n-jobs"),
        # too large: the memory figure, before anything is allocated
        (["ising", "--L", "1000", "--n", "100000", "--temperatures", "2"], "needs 93.1 GiB; the limit is 2 GiB"),
        (["lecture", "--chapters", "nope"], "unknown chapter 'nope'; choose from data, regression"),
        (["lecture", "--chapters", "regresion"], "unknown chapter 'regresion' (did you mean 'regression'?)"),
        (["lecture", "--chapters", ""], "--chapters '' names an empty chapter"),
        (["lecture", "--chapters", ","], "--chapters ',' names an empty chapter"),
        (["lecture", "--chapters", "regression,"], "names an empty chapter"),
        (["tutorial", "regresion"], "unknown tutorial 'regresion' (did you mean 'regression'?)"),
        (["tutorial"], "give a tutorial NAME, or --list"),
        (["bench", "regresion"], "unknown benchmark 'regresion' (did you mean 'regression'?)"),
    ],
)
def test_bad_values_are_one_line_naming_the_flag(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert message in line
    assert "n_per_temperature" not in line and "random_state" not in line


def test_flag_names_rewrites_whole_words_only():
    assert _flag_names("ising", "n_per_temperature must be >= 1") == "--n must be >= 1"
    assert _flag_names("ising", "L must be >= 2, got 1.") == "--L must be >= 2, got 1."
    assert _flag_names("ising", "random_state must be an int") == "--seed must be an int"
    assert _flag_names("ising", "ising_configurations(L=4) n_jobs") == "ising_configurations(--L=4) --n-jobs"
    assert _flag_names("ising", "ALL n_per_temperatures") == "ALL n_per_temperatures"


@pytest.fixture
def no_work(monkeypatch):
    """Fail the test if the simulation starts."""
    import physml.datasets.ising as ising

    def refuse(*args, **kwargs):
        raise AssertionError("the simulation ran before the output was checked")

    monkeypatch.setattr(ising, "ising_configurations", refuse)


def test_unwritable_out_is_refused_before_any_work(tmp_path, capsys, no_work):
    a_file = tmp_path / "a_file"
    a_file.write_text("not a folder")
    argv = ["ising", "--L", "4", "--n", "2", "--temperatures", "2"]
    assert main([*argv, "--out", str(a_file / "ising.npz")]) == 2
    assert "is not a folder" in _one_error_line(capsys.readouterr().err)
    assert main([*argv, "--out", str(tmp_path)]) == 2
    assert "is a folder; give a file name" in _one_error_line(capsys.readouterr().err)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert main([*argv, "--out", str(fifo)]) == 2
    assert "not a regular file; refusing to replace it" in _one_error_line(capsys.readouterr().err)
    assert fifo.exists() and not fifo.is_file()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_device_or_a_link_to_one_as_out_is_refused_before_any_work(tmp_path, capsys, no_work):
    # issue 9 item 3: `physml ising --out /dev/full` run as root replaced the device with a regular file
    link = tmp_path / "link"
    link.symlink_to("/dev/full")
    for out in ("/dev/full", str(link)):
        assert main(["ising", "--L", "4", "--n", "2", "--temperatures", "2", "--out", out]) == 2
        assert "not a regular file; refusing to replace it" in _one_error_line(capsys.readouterr().err)
    assert os.path.exists("/dev/full") and not os.path.isfile("/dev/full") and link.is_symlink()


@pytest.mark.parametrize("kind,message", [("fifo", "is a FIFO"), ("folder", "is a directory")])
def test_out_that_stops_being_a_regular_file_during_the_run_is_one_line(tmp_path, capsys, monkeypatch, kind,
                                                                        message):
    # the check before the work passed; the atomic writer's own refusal (ValueError) still gives one line, exit 2
    import physml.datasets.ising as ising

    out = tmp_path / "L" / "ising.npz"  # a folder named like a flag: the path must not be rewritten to --L
    out.parent.mkdir()

    def simulate_then_replace_out(**kwargs):
        os.mkfifo(out) if kind == "fifo" else out.mkdir()
        return np.ones((2, 16), np.int8), np.full(2, 2.0)

    monkeypatch.setattr(ising, "ising_configurations", simulate_then_replace_out)
    assert main(["ising", "--L", "4", "--n", "2", "--temperatures", "2", "--no-cache", "--out", str(out)]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert line.startswith(f"physml ising: --out {str(out)!r} cannot be written: ") and message in line
    assert not out.is_file() and sorted(p.name for p in out.parent.iterdir()) == ["ising.npz"]  # no temporary file


def test_lecture_out_that_is_a_file_or_a_foreign_folder_is_refused(tmp_path, capsys, monkeypatch):
    import physml.lecture

    monkeypatch.setattr(physml.lecture, "run_lecture", lambda *a, **k: pytest.fail("ran before checking --out"))
    blocker = tmp_path / "report"
    blocker.write_text("a file where the report folder should go")
    assert main(["lecture", "--chapters", "regression", "--quick", "--out", str(blocker)]) == 2
    assert "is a file" in _one_error_line(capsys.readouterr().err)
    foreign = tmp_path / "thesis"
    foreign.mkdir()
    (foreign / "chapter1.tex").write_text("precious")
    assert main(["lecture", "--chapters", "regression", "--quick", "--out", str(foreign)]) == 2
    assert "not a physml report" in _one_error_line(capsys.readouterr().err)
    assert (foreign / "chapter1.tex").read_text() == "precious"


def test_ctrl_c_is_one_line_and_exit_130(capsys, monkeypatch, tmp_path):
    import physml.datasets.ising as ising

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(ising, "ising_configurations", interrupted)
    out = tmp_path / "x.npz"
    assert main(["ising", "--L", "4", "--n", "2", "--temperatures", "2", "--out", str(out)]) == 130
    assert _one_error_line(capsys.readouterr().err) == "physml ising: interrupted"
    assert not out.exists()


def test_sigint_during_a_real_simulation_exits_130_without_traceback(tmp_path):
    # the simulation is real (repeated until interrupted); it says when it has started, so the signal
    # arrives during the Monte Carlo, whatever the speed of the machine
    out = tmp_path / "ising.npz"
    code = (
        "import physml.datasets.ising as ising\n"
        "real = ising.ising_configurations\n"
        "def forever(**kwargs):\n"
        "    print('started', flush=True)\n"
        "    while True:\n"
        "        real(**kwargs)\n"
        "ising.ising_configurations = forever\n"
        "from physml.cli import main\n"
        f"raise SystemExit(main(['ising', '--L', '32', '--n', '200', '--temperatures', '1,2.3,3', '--no-cache', "
        f"'--out', {str(out)!r}]))\n"
    )
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    assert proc.stdout.readline().strip() == "started"
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert _one_error_line(err) == "physml ising: interrupted"
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_interrupted_lecture_leaves_the_previous_report_untouched(tmp_path, capsys, monkeypatch):
    import physml.lecture.regression as chapter

    out = tmp_path / "report"
    out.mkdir()
    (out / "index.html").write_text("report of seed 0")
    (out / "figure.png").write_text("figure of seed 0")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(chapter, "compute", interrupted, raising=False)
    monkeypatch.setattr(chapter, "run", interrupted, raising=False)
    assert main(["lecture", "--chapters", "regression", "--quick", "--quiet", "--seed", "1",
                 "--out", str(out)]) == 130
    assert _one_error_line(capsys.readouterr().err) == "physml lecture: interrupted"
    assert (out / "index.html").read_text() == "report of seed 0"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]  # no temporary folder left behind


def test_ising_writes_the_configurations(tmp_path):
    out = tmp_path / "ising.npz"
    assert main(["ising", "--L", "4", "--n", "3", "--temperatures", "1.5,3.0", "--no-cache", "--out", str(out)]) == 0
    with np.load(out, allow_pickle=False) as f:
        X, T = f["X"], f["T"]
    assert X.shape == (6, 16) and sorted(set(T.tolist())) == [1.5, 3.0]
    assert set(np.unique(X).tolist()) <= {-1, 1}


def test_ising_help_gives_every_flag_its_meaning_and_default_and_warns_about_the_full_set(capsys, monkeypatch,
                                                                                          tmp_path):
    monkeypatch.setenv("PHYSML_CACHE", str(tmp_path / "the-cache"))
    parser = build_parser()
    ising = parser._subparsers._group_actions[0].choices["ising"]
    for action in ising._actions:
        if action.dest == "help":
            continue
        assert action.help, action.dest
        if action.default is not False:  # store_true flags are off unless given
            assert "default" in action.help, action.dest
    with pytest.raises(SystemExit) as info:
        main(["ising", "--help"])
    assert info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "160000 configurations" in text and str(tmp_path / "the-cache") in text
    assert "physml cache clear" in text


def test_cache_info_and_clear_touch_only_physml_files(tmp_path, capsys, monkeypatch):
    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setenv("PHYSML_CACHE", str(cache))
    entry = cache / ("ising-" + "0" * 32 + ".npz")
    entry.write_bytes(b"x" * 2048)
    stale = cache / (".ising-" + "1" * 32 + ".npz.abc123.tmp")
    stale.write_bytes(b"y" * 10)
    foreign = cache / "notes.txt"
    foreign.write_text("mine")
    assert main(["cache", "info"]) == 0
    out = capsys.readouterr().out
    assert f"cache folder: {cache}" in out and "2 files, 2.0 KiB" in out and entry.name in out
    assert "notes.txt" not in out
    assert main(["cache", "clear"]) == 0
    assert "removed 2 files" in capsys.readouterr().out
    assert sorted(p.name for p in cache.iterdir()) == ["notes.txt"]


def test_python_dash_m_physml_runs_the_cli():
    result = _run("lecture", "--chapters", "nope")
    assert result.returncode == 2
    assert "unknown chapter 'nope'" in _one_error_line(result.stderr)


@pytest.mark.parametrize("repeats", ["0", "-2", "x"])
def test_bench_runner_rejects_bad_repeats_before_running(repeats):
    run_py = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"
    result = subprocess.run([sys.executable, str(run_py), "regression", "--repeats", repeats],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "--repeats" in result.stderr and "Traceback" not in result.stderr


def test_lecture_exit_status_says_whether_every_number_reproduced(tmp_path, monkeypatch, capsys):
    from physml.lecture import report

    out = tmp_path / "report"
    out.mkdir()
    (out / "index.html").write_text("an older report")
    (out / "stale.png").write_text("a figure of the older report")
    assert main(["lecture", "--chapters", "regression", "--quick", "--quiet", "--out", str(out)]) == 0
    # the new report replaced the old one as a whole, and nothing temporary is left next to it
    assert "physml lecture report" in (out / "index.html").read_text()
    assert not (out / "stale.png").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]
    # the same run with every reference moved away from its value: report written, exit status 1
    original = report.Chapter.check

    def shifted(self, name, value, reference, tol, **kwargs):
        return original(self, name, value, reference + 10 * tol + 1.0, tol, **kwargs)

    monkeypatch.setattr(report.Chapter, "check", shifted)
    assert main(["lecture", "--chapters", "regression", "--quick", "--quiet", "--out", str(out)]) == 1
    assert "not reproduced: regression:" in capsys.readouterr().err


# ---------------------------------------------------------------------------
# physml tutorial
# ---------------------------------------------------------------------------

_TINY_TUTORIAL = '''# %% [markdown]
# # Hands-on 9: a tiny tutorial
#
# One figure and one number.

# %%
import matplotlib.pyplot as plt
import numpy as np

x = np.linspace(0.0, 1.0, 5)
print("sum", x.sum())
plt.plot(x, x**2)
plt.show()
'''


def test_tutorial_list_names_every_tutorial(capsys):
    from physml.cli import available_tutorials

    assert main(["tutorial", "--list"]) == 0
    out = capsys.readouterr().out
    names = list(available_tutorials())
    assert {"physics_data", "regression", "optimisers", "neural_networks"} <= set(names)
    for name in names:
        assert name in out
    assert "Hands-on 1: regression" in out


def test_tutorials_are_found_inside_an_installed_package(tmp_path):
    """A wheel holds physml/tutorials/ (force-include): the lookup finds them there, with no checkout around."""
    import shutil
    import tomllib

    root = Path(__file__).resolve().parents[1]
    config = tomllib.loads((root / "pyproject.toml").read_text())
    assert config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"] == {"tutorials": "physml/tutorials"}
    site = tmp_path / "site-packages"
    shutil.copytree(root / "src" / "physml", site / "physml", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(root / "tutorials", site / "physml" / "tutorials")
    code = "from physml.cli import tutorial_folder, available_tutorials; print(tutorial_folder()); " \
           "print(sorted(available_tutorials()))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(site)))
    assert result.returncode == 0, result.stderr
    folder, names = result.stdout.splitlines()
    assert folder == str(site / "physml" / "tutorials")
    assert "'regression'" in names


@pytest.mark.slow
def test_the_wheel_ships_the_tutorials(tmp_path):
    import importlib.util
    import zipfile

    if importlib.util.find_spec("hatchling") is None:  # the build backend (in the test extra)
        pytest.skip("hatchling is not installed here, so no wheel can be built offline")

    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path), str(root)], check=True, timeout=300)
    (wheel,) = tmp_path.glob("physml-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for path in sorted((root / "tutorials").glob("*.py")):
        assert f"physml/tutorials/{path.name}" in names


def test_tutorial_writes_an_executed_notebook_with_its_figures(tmp_path, capsys, monkeypatch):
    pytest.importorskip("jupytext")
    pytest.importorskip("nbclient")
    import nbformat

    import physml.cli

    folder = tmp_path / "tutorials"
    folder.mkdir()
    (folder / "09_tiny.py").write_text(_TINY_TUTORIAL)
    monkeypatch.setattr(physml.cli, "tutorial_folder", lambda: folder)
    monkeypatch.setenv("MPLBACKEND", "Agg")  # as in a headless shell: the figures must survive it
    out = tmp_path / "out"
    assert main(["tutorial", "tiny", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    nb = nbformat.read(out / "09_tiny.ipynb", as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert any("sum 2.5" in o.get("text", "") for o in outputs)
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 1
    assert f"notebook: {(out / '09_tiny.ipynb').resolve()}" in captured.out
    assert "1 figures" in captured.out
    try:
        import nbconvert  # noqa: F401
    except ImportError:
        assert "nbconvert is not installed" in captured.err and "physml[notebooks]" in captured.err
        assert not (out / "09_tiny.html").exists()
    else:
        assert "data:image/png;base64" in (out / "09_tiny.html").read_text()
        assert f"HTML page with the figures: {(out / '09_tiny.html').resolve()}" in captured.out


def test_tutorial_that_fails_says_which_error_in_one_line(tmp_path, capsys, monkeypatch):
    pytest.importorskip("jupytext")
    pytest.importorskip("nbclient")
    import physml.cli

    folder = tmp_path / "tutorials"
    folder.mkdir()
    (folder / "09_broken.py").write_text("# %%\nraise RuntimeError('the detector is off')\n")
    monkeypatch.setattr(physml.cli, "tutorial_folder", lambda: folder)
    assert main(["tutorial", "broken", "--out", str(tmp_path / "out")]) == 2
    err = [line for line in capsys.readouterr().err.strip().splitlines() if "nbconvert is not installed" not in line]
    assert len(err) == 1
    assert "09_broken.py failed in a cell: RuntimeError: the detector is off" in err[-1]


def test_an_unexpected_exception_is_still_one_line(monkeypatch, capsys, tmp_path):
    import physml.datasets.ising as ising

    def bug(*args, **kwargs):
        raise IndexError("index 7 is out of bounds\nfor axis 0")

    monkeypatch.setattr(ising, "ising_configurations", bug)
    assert main(["ising", "--L", "4", "--n", "2", "--temperatures", "2", "--out", str(tmp_path / "x.npz")]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert line == "physml ising: internal error, please report it: IndexError: index 7 is out of bounds for axis 0"
