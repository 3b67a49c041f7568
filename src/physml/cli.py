"""Command line: ``physml lecture``, ``physml ising``, ``physml tutorial``, ``physml cache``, ``physml bench``.

Every failure is one line on stderr, ``physml <command>: <message>``, naming the
flag at fault, with exit status 2 (argparse's own errors included); Ctrl-C
prints one line and exits with 130. Outputs are checked for writability before
any work starts, and are written atomically (the lecture report into a
temporary folder next to ``--out``, swapped in when complete).
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import runpy
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_REPO = Path(__file__).resolve().parents[2]
_MAX_TEMPERATURES = 10_000

# library argument name -> the flag that sets it, per command (for one-line error messages)
_FLAG_NAMES = {
    "ising": {"n_per_temperature": "--n", "random_state": "--seed", "n_jobs": "--n-jobs", "L": "--L",
              "temperatures": "--temperatures"},
    "lecture": {"seed": "--seed", "chapters": "--chapters"},
}


class CLIError(Exception):
    """A user error: printed as one line ``physml <command>: <message>``, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but an error is one line (no usage block) and exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: {message}\n")


def _flag_names(command: str, message: str) -> str:
    """Rewrite the library's argument names in ``message`` into the command's flag names."""
    for name, flag in _FLAG_NAMES.get(command, {}).items():
        # the name as a word, not inside another identifier or an existing flag
        message = re.sub(rf"(?<![\w\-.]){re.escape(name)}(?![\w(])", flag, message)
    return message


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _choose(kind: str, flag: str, name: str, valid) -> str:
    """The message for an unknown ``name``: the valid ones, with a "did you mean" where one is close."""
    close = difflib.get_close_matches(name, valid, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"{flag}: unknown {kind} {name!r}{hint}; choose from {', '.join(valid)}"


# ---------------------------------------------------------------------------
# argument types
# ---------------------------------------------------------------------------


def _parse_range(text: str):
    """'0.25:4.0:0.25' -> [0.25, 0.5, ..., 4.0]; '1.5,2.0' -> [1.5, 2.0]. Temperatures are finite and > 0."""
    import numpy as np

    if ":" in text:
        try:
            start, stop, step = (float(v) for v in text.split(":"))
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected start:stop:step, got {text!r}") from None
        if not all(np.isfinite([start, stop, step])) or step <= 0 or stop < start:
            raise argparse.ArgumentTypeError(f"expected finite start <= stop and step > 0, got {text!r}")
        if (stop - start) / step + 1 > _MAX_TEMPERATURES:
            raise argparse.ArgumentTypeError(f"{text!r} gives more than {_MAX_TEMPERATURES} temperatures")
        values = np.round(np.arange(start, stop + step / 2, step), 10).tolist()
    else:
        try:
            values = [float(v) for v in text.split(",")]
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected comma-separated temperatures, got {text!r}") from None
    if not all(np.isfinite(T) and T > 0 for T in values):
        raise argparse.ArgumentTypeError(f"temperatures must be finite and > 0, got {text!r}")
    return values


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def _non_negative_int(text: str) -> int:
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {value}")
    return value


# ---------------------------------------------------------------------------
# outputs: refuse what cannot be written before doing any work
# ---------------------------------------------------------------------------


def _nearest_existing(path: Path) -> Path:
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _probe_folder(folder: Path, flag: str, shown: str) -> None:
    """Raise CLIError unless a file can be created in ``folder`` (or in the folder that would hold it)."""
    base = _nearest_existing(folder)
    if not base.is_dir():
        raise CLIError(f"{flag} {shown!r} cannot be created: {str(base)!r} is not a folder")
    try:
        fd, probe = tempfile.mkstemp(prefix=".physml-probe-", dir=base)
    except OSError as exc:
        raise CLIError(f"{flag} {shown!r} cannot be written: {exc.strerror or exc} ({base})") from None
    os.close(fd)
    os.unlink(probe)


def _check_out_file(out: str, flag: str = "--out") -> Path:
    """``out`` names a regular file (existing or not) in a folder that can be written."""
    path = Path(out)
    if path.is_dir():
        raise CLIError(f"{flag} {out!r} is a folder; give a file name such as ising.npz")
    if path.exists() and not path.is_file():
        raise CLIError(f"{flag} {out!r} exists and is not a regular file; refusing to replace it")
    _probe_folder(path.parent, flag, out)
    return path


# ---------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------


def _parse_chapters(text: str | None, names: list[str]):
    if text is None:
        return None
    chapters = [c.strip() for c in text.split(",")]
    if not any(chapters) or not all(chapters):
        raise CLIError(f"--chapters {text!r} names an empty chapter; choose from {', '.join(names)} "
                       "(or leave --chapters out to run them all)")
    for c in chapters:
        if c not in names:
            raise CLIError(_choose("chapter", "--chapters", c, names))
    return list(dict.fromkeys(chapters))


def _swap_in(tmp: Path, out: Path) -> None:
    """Move the finished folder ``tmp`` to ``out``, replacing an older report there.

    Ctrl-C is held back during the two renames (and acted on right after), so ``out`` is never missing.
    """
    import signal

    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        if out.exists():
            os.replace(out, old / "report")
        os.replace(tmp, out)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        shutil.rmtree(old, ignore_errors=True)


def _cmd_lecture(args) -> int:
    from .lecture import available_chapters, run_lecture

    names = available_chapters()
    chapters = _parse_chapters(args.chapters, names)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CLIError(f"--out {args.out!r} is a file; the report is a folder (index.html and figures)")
    if out.is_dir() and any(out.iterdir()) and not (out / "index.html").is_file():
        raise CLIError(f"--out {args.out!r} holds files that are not a physml report; "
                       "choose a new or empty folder (the report replaces the folder's contents)")
    _probe_folder(out.absolute().parent, "--out", args.out)
    out.absolute().parent.mkdir(parents=True, exist_ok=True)
    # the chapters write into a fresh folder next to --out, moved over it only when the report is complete:
    # an interrupted run leaves the previous report as it was, never a mixture of two runs
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.absolute().name}.", suffix=".tmp", dir=out.absolute().parent))
    t0 = time.perf_counter()
    try:
        _, results = run_lecture(chapters, quick=args.quick, out=tmp, seed=args.seed, verbose=not args.quiet)
        _swap_in(tmp, out.absolute())
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    for ch in results:
        n_pass = sum(c.passed for c in ch.checks)
        status = "FAILED" if ch.error else f"{n_pass}/{len(ch.checks)} numbers reproduced"
        print(f"  {ch.name:<18s} {ch.seconds:7.1f} s  {len(ch.figures)} figures  {status}")
    print(f"Lecture report ({'quick' if args.quick else 'full'}, {time.perf_counter() - t0:.1f} s): "
          f"{(out / 'index.html').resolve()}")
    failed = [f"{ch.name}: {c.name}" for ch in results for c in ch.checks if not c.passed]
    for line in failed:
        print(f"  not reproduced: {line}", file=sys.stderr)
    for ch in results:
        if ch.error:
            print(f"  chapter {ch.name} crashed; its traceback is in the report", file=sys.stderr)
    # a crashed chapter or a number off its reference fails the run (the report is written either way)
    return 1 if failed or any(ch.error for ch in results) else 0


def _cmd_ising(args) -> int:
    from .base import check_sizes
    from .datasets.ising import ising_configurations
    from .io import atomic_savez

    out = _check_out_file(args.out)
    n_T = len(args.temperatures)
    if args.L >= 2 and args.n >= 1:  # smaller values are refused by ising_configurations, with their flag
        try:
            check_sizes([(n_T * args.n, args.L * args.L), (n_T * args.n,)], itemsize=[1, 8],
                        what=f"--L {args.L} --n {args.n} ({n_T} x {args.n} configurations of {args.L}x{args.L} spins)",
                        hint="lower --n or --L")
        except ValueError as exc:
            raise CLIError(str(exc)) from None
    t0 = time.perf_counter()
    X, T = ising_configurations(L=args.L, temperatures=args.temperatures, n_per_temperature=args.n,
                                random_state=args.seed, cache=not args.no_cache, n_jobs=args.n_jobs,
                                verbose=True)
    try:
        out = atomic_savez(out, {"X": X, "T": T}, compressed=True)
    except OSError as exc:
        raise CLIError(f"--out {args.out!r} cannot be written: {exc.strerror or exc}") from None
    except ValueError as exc:  # the atomic writer refuses a target that became a device, FIFO or folder meanwhile
        raise CLIError(f"--out {args.out!r} cannot be written: {exc}") from None
    print(f"{X.shape[0]} configurations of {args.L}x{args.L} spins at {len(set(T.tolist()))} temperatures "
          f"in {time.perf_counter() - t0:.1f} s -> {out}")
    return 0


def _repo_folder(name: str) -> Path:
    """The repository's ``benchmarks/`` folder (a source checkout is needed)."""
    for base in (Path.cwd(), _REPO):
        if (base / name).is_dir():
            return base / name
    raise CLIError(f"no '{name}/' folder found; run this from a physml source checkout")


def _cmd_bench(args) -> int:
    folder = _repo_folder("benchmarks")
    valid = sorted(p.stem.removeprefix("bench_") for p in folder.glob("bench_*.py"))
    for case in args.cases:
        if case not in valid:
            raise CLIError(_choose("benchmark", "cases", case, valid))
    sys.argv = [str(folder / "run.py"), *args.cases] + (["--quick"] if args.quick else [])
    sys.path.insert(0, str(folder))
    runpy.run_path(str(folder / "run.py"), run_name="__main__")
    return 0


def tutorial_folder() -> Path:
    """The folder of the tutorials: inside the installed package, else the source checkout's ``tutorials/``.

    A wheel ships them as ``physml/tutorials/`` (``force-include`` in pyproject.toml);
    a source checkout or an editable install reads the repository's ``tutorials/``.
    """
    packaged = Path(__file__).resolve().parent / "tutorials"
    if packaged.is_dir() and any(packaged.glob("[0-9]*.py")):
        return packaged
    if (_REPO / "tutorials").is_dir():
        return _REPO / "tutorials"
    raise CLIError("no tutorials found: neither physml/tutorials/ (installed wheel) nor a source checkout's tutorials/")


def available_tutorials() -> dict[str, Path]:
    """Tutorial name (``regression`` for ``01_regression.py``) -> its jupytext file, in order."""
    files = sorted(tutorial_folder().glob("[0-9][0-9]_*.py"))
    return {p.stem.split("_", 1)[1]: p for p in files}


def _find_tutorial(name: str) -> Path:
    tutorials = available_tutorials()
    if name in tutorials:
        return tutorials[name]
    by_stem = {p.stem: p for p in tutorials.values()}
    if name in by_stem or name.removesuffix(".py") in by_stem:
        return by_stem[name.removesuffix(".py")]
    raise CLIError(_choose("tutorial", "NAME", name, list(tutorials)))


def _first_line(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# # "):
            return line[4:].strip()
    return ""


def _cmd_tutorial(args) -> int:
    if args.list:
        for name, path in available_tutorials().items():
            print(f"  {name:<18s} {_first_line(path)}")
        print(f"(from {tutorial_folder()}; run one with: physml tutorial NAME --out DIR)")
        return 0
    if not args.name:
        raise CLIError("give a tutorial NAME, or --list to see them")
    path = _find_tutorial(args.name)
    try:
        import jupytext
        import nbclient
        import nbformat
        from nbclient.exceptions import CellExecutionError
    except ImportError as exc:
        raise CLIError(f"running a tutorial needs {exc.name}: pip install 'physml[notebooks]'") from None
    try:
        from nbconvert import HTMLExporter
    except ImportError:
        HTMLExporter = None
        print("physml tutorial: nbconvert is not installed, so no HTML page will be written "
              "(pip install 'physml[notebooks]' or pip install nbconvert); the executed notebook holds the figures",
              file=sys.stderr)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CLIError(f"--out {args.out!r} is a file; give a folder")
    _probe_folder(out, "--out", args.out)
    out.mkdir(parents=True, exist_ok=True)

    nb = jupytext.read(path)
    env = {"MPLBACKEND": "module://matplotlib_inline.backend_inline"}  # figures become outputs, even headless
    if args.small:
        env["PHYSML_TUTORIAL_SMALL"] = "1"
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    print(f"executing {path.name} (every cell; figures are kept in the notebook) ...", flush=True)
    t0 = time.perf_counter()
    try:
        client = nbclient.NotebookClient(nb, timeout=None, kernel_name="python3",
                                         resources={"metadata": {"path": str(out.resolve())}})
        try:
            client.execute(stderr=subprocess.DEVNULL)  # the kernel's log lines; cell errors come as outputs
        except CellExecutionError as exc:
            failed = _one_line(f"{getattr(exc, 'ename', type(exc).__name__)}: {getattr(exc, 'evalue', exc)}")
            nbformat.write(nb, out / f"{path.stem}.ipynb")
            raise CLIError(f"{path.name} failed in a cell: {failed} (the notebook up to there: "
                           f"{out / (path.stem + '.ipynb')})") from None
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    ipynb = out / f"{path.stem}.ipynb"
    nbformat.write(nb, ipynb)
    n_fig = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
                for o in c.get("outputs", []))
    print(f"{path.name}: {n_fig} figures in {time.perf_counter() - t0:.1f} s")
    print(f"  notebook: {ipynb.resolve()}")
    if HTMLExporter is not None:
        body, _ = HTMLExporter().from_notebook_node(nb)
        html = out / f"{path.stem}.html"
        html.write_text(body, encoding="utf-8")
        print(f"  HTML page with the figures: {html.resolve()}")
    return 0


_CACHE_FILE = re.compile(r"^[A-Za-z0-9_]+-[0-9a-f]{32}\.npz$")
_CACHE_TMP = re.compile(r"^\..+\.npz\..+\.tmp$")


def _cache_files(folder: Path) -> list[Path]:
    """physml's own files in the cache folder (entries and stale temporary files), nothing else."""
    if not folder.is_dir():
        return []
    ours = (_CACHE_FILE, _CACHE_TMP)
    return sorted(p for p in folder.iterdir() if p.is_file() and any(r.match(p.name) for r in ours))


def _size(n_bytes: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n_bytes < 1024 or unit == "GiB":
            return f"{n_bytes:.0f} {unit}" if unit == "B" else f"{n_bytes:.1f} {unit}"
        n_bytes /= 1024


def _cmd_cache(args) -> int:
    from .datasets._cache import cache_dir

    folder = cache_dir()
    files = _cache_files(folder)
    total = sum(p.stat().st_size for p in files)
    if args.action == "info":
        where = "PHYSML_CACHE" if os.environ.get("PHYSML_CACHE") else (
            "XDG_CACHE_HOME" if os.environ.get("XDG_CACHE_HOME") else "default")
        print(f"cache folder: {folder} ({where}; set PHYSML_CACHE to move it)")
        print(f"{len(files)} files, {_size(total)}")
        for p in files:
            print(f"  {p.name}  {_size(p.stat().st_size)}")
        return 0
    for p in files:
        p.unlink()
    print(f"removed {len(files)} files ({_size(total)}) from {folder}")
    return 0


# ---------------------------------------------------------------------------
# parser and entry point
# ---------------------------------------------------------------------------

_DESCRIPTION = """\
physml: the methods of the Topical Lectures on Machine Learning, from a shell.
`physml COMMAND --help` explains each command. Every failure is one line on
stderr naming the flag at fault, with exit status 2; Ctrl-C exits with 130.
"""

_ISING_DESCRIPTION = """\
Generate 2D Ising configurations (S26) by Monte Carlo and write them to an .npz
file holding X (int8, shape (n, L*L), spins +-1) and T (float64, shape (n,)).

Warning: the defaults are the full data set of Mehta et al.: L = 40 at the 16
temperatures 0.25, 0.5, ..., 4.0 with 10000 configurations each, that is 160000
configurations (256 MB in memory, minutes to hours of CPU time). Try
--n 100 --temperatures 1.5,2.27,3.5 first.

Generated samples are cached (by every parameter, the seed and the physml
version) in {cache}; change it with PHYSML_CACHE, see and empty it with
`physml cache info` and `physml cache clear`, bypass it with --no-cache.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="physml", description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("lecture", help="run the lecture chapters and write the HTML report",
                       description="Run the lecture chapters, reproduce their numbers and figures, write "
                                   "OUT/index.html. Exit status 1 if a number is not reproduced.")
    p.add_argument("--chapters", help="comma-separated chapter names (default: all chapters)")
    p.add_argument("--quick", action="store_true", help="small sizes, about a minute in all")
    p.add_argument("--out", default="lecture_report",
                   help="output folder, replaced when the report is complete (default: %(default)s)")
    p.add_argument("--seed", type=_non_negative_int, default=0, help="base seed of every experiment (default: 0)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=_cmd_lecture)

    from .datasets._cache import cache_dir

    p = sub.add_parser("ising", help="generate 2D Ising configurations (S26) into an .npz file",
                       description=_ISING_DESCRIPTION.format(cache=cache_dir()),
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--L", type=_int, default=40, help="linear lattice size, L x L spins, >= 2 (default: %(default)s)")
    p.add_argument("--temperatures", type=_parse_range, default=_parse_range("0.25:4.0:0.25"),
                   help="temperatures in units of J/k_B: start:stop:step or a comma-separated list "
                        "(default: 0.25:4.0:0.25, 16 temperatures; T_c = 2.269)")
    p.add_argument("--n", type=_int, default=10000, help="configurations per temperature, >= 1 (default: %(default)s)")
    p.add_argument("--seed", type=_non_negative_int, default=0,
                   help="seed of the Monte Carlo chains; the same seed gives the same file (default: %(default)s)")
    p.add_argument("--n-jobs", type=_int, default=1,
                   help="temperatures sampled in parallel, -1 for every core (default: %(default)s)")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    p.add_argument("--out", default="ising.npz", help="output .npz file (default: %(default)s)")
    p.set_defaults(func=_cmd_ising)

    p = sub.add_parser("tutorial", help="execute a tutorial and write it as a notebook and an HTML page",
                       description="Execute a tutorial (a jupytext notebook) and write NAME.ipynb with its "
                                   "outputs and NAME.html with its figures into --out. Needs the notebooks "
                                   "extra: pip install 'physml[notebooks]'.")
    p.add_argument("name", nargs="?", help="tutorial name, e.g. regression (see --list)")
    p.add_argument("--list", action="store_true", help="list the tutorials and exit")
    p.add_argument("--out", default="physml_tutorials", help="output folder (default: %(default)s)")
    p.add_argument("--small", action="store_true", help="small sizes (seconds instead of minutes)")
    p.set_defaults(func=_cmd_tutorial)

    p = sub.add_parser("cache", help="show or empty the cache of generated data",
                       description="The cache of generated data (Ising samples): $PHYSML_CACHE, else "
                                   "$XDG_CACHE_HOME/physml, else ~/.cache/physml.")
    p.add_argument("action", choices=["info", "clear"], help="info: folder, files and size; clear: remove them")
    p.set_defaults(func=_cmd_cache)

    p = sub.add_parser("bench", help="run benchmarks/ side by side with the peers (source checkout)")
    p.add_argument("cases", nargs="*", help="benchmark names, e.g. regression (default: all)")
    p.add_argument("--quick", action="store_true", help="small sizes, to check that they run")
    p.set_defaults(func=_cmd_bench)
    return parser


def main(argv=None) -> int:
    """Run the command line; returns the exit status (argparse's errors raise ``SystemExit(2)``)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    prog = f"physml {args.command}"
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except CLIError as exc:
        print(f"{prog}: {_one_line(exc)}", file=sys.stderr)
        return 2
    except (ValueError, TypeError) as exc:  # the library's refusal of a value: name the flag
        print(f"{prog}: {_one_line(_flag_names(args.command, str(exc)))}", file=sys.stderr)
        return 2
    except MemoryError:
        print(f"{prog}: out of memory; ask for less (lower the sizes)", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"{prog}: {_one_line(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug: still one line, with what to report
        print(f"{prog}: internal error, please report it: {type(exc).__name__}: {_one_line(exc)}", file=sys.stderr)
        return 2
