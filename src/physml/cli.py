"""Command line: ``physml lecture``, ``physml ising``, ``physml bench``, ``physml tutorial NAME``."""

from __future__ import annotations

import argparse
import runpy
import sys
import time
from pathlib import Path

_REPO = Path(__file__).resolve().parents[2]


def _repo_folder(name: str) -> Path:
    """The repository's ``tutorials/`` or ``benchmarks/`` folder (a source checkout is needed)."""
    for base in (Path.cwd(), _REPO):
        if (base / name).is_dir():
            return base / name
    raise SystemExit(f"physml: no '{name}/' folder found; run this from a physml source checkout.")


_MAX_TEMPERATURES = 10_000


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


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {value}")
    return value


def _cmd_lecture(args) -> int:
    from .lecture import run_lecture

    chapters = list(dict.fromkeys(c.strip() for c in args.chapters.split(","))) if args.chapters else None
    t0 = time.perf_counter()
    try:
        path, results = run_lecture(chapters, quick=args.quick, out=args.out, seed=args.seed,
                                    verbose=not args.quiet)
    except ValueError as exc:
        print(f"physml lecture: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # --out names a file, or a folder that cannot be written
        print(f"physml lecture: cannot write the report to {args.out!r}: {exc}", file=sys.stderr)
        return 2
    for ch in results:
        n_pass = sum(c.passed for c in ch.checks)
        status = "FAILED" if ch.error else f"{n_pass}/{len(ch.checks)} numbers reproduced"
        print(f"  {ch.name:<18s} {ch.seconds:7.1f} s  {len(ch.figures)} figures  {status}")
    print(f"Lecture report ({'quick' if args.quick else 'full'}, {time.perf_counter() - t0:.1f} s): {path.resolve()}")
    failed = [f"{ch.name}: {c.name}" for ch in results for c in ch.checks if not c.passed]
    for line in failed:
        print(f"  not reproduced: {line}", file=sys.stderr)
    # a crashed chapter or a number off its reference fails the run (the report is written either way)
    return 1 if failed or any(ch.error for ch in results) else 0


def _cmd_ising(args) -> int:
    from .datasets.ising import ising_configurations
    from .io import atomic_savez

    if Path(args.out).is_dir():
        print(f"physml ising: --out {args.out!r} is a folder; give a file name such as ising.npz", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    try:
        X, T = ising_configurations(L=args.L, temperatures=args.temperatures, n_per_temperature=args.n,
                                    random_state=args.seed, cache=not args.no_cache, n_jobs=args.n_jobs,
                                    verbose=True)
    except (ValueError, TypeError) as exc:
        print(f"physml ising: {exc}", file=sys.stderr)
        return 2
    try:
        out = atomic_savez(args.out, {"X": X, "T": T}, compressed=True)
    except OSError as exc:
        print(f"physml ising: cannot write {args.out!r}: {exc}", file=sys.stderr)
        return 1
    print(f"{X.shape[0]} configurations of {args.L}x{args.L} spins at {len(set(T.tolist()))} temperatures "
          f"in {time.perf_counter() - t0:.1f} s -> {out}")
    return 0


def _cmd_bench(args) -> int:
    folder = _repo_folder("benchmarks")
    sys.argv = [str(folder / "run.py"), *args.cases] + (["--quick"] if args.quick else [])
    sys.path.insert(0, str(folder))
    runpy.run_path(str(folder / "run.py"), run_name="__main__")
    return 0


def _cmd_tutorial(args) -> int:
    folder = _repo_folder("tutorials")
    matches = sorted(p for p in folder.glob("*.py") if args.name in p.stem)
    if len(matches) != 1:
        names = sorted(p.stem for p in folder.glob("*.py"))
        print(f"physml tutorial: {args.name!r} matches {len(matches)} tutorials; choose one of {names}",
              file=sys.stderr)
        return 2
    runpy.run_path(str(matches[0]), run_name="__main__")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="physml", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("lecture", help="run the lecture chapters and write the HTML report")
    p.add_argument("--chapters", help="comma-separated chapter names (default: all)")
    p.add_argument("--quick", action="store_true", help="small sizes, about a minute in all")
    p.add_argument("--out", default="lecture_report", help="output folder (default: lecture_report)")
    p.add_argument("--seed", type=_non_negative_int, default=0, help="base seed of every experiment")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=_cmd_lecture)

    p = sub.add_parser("ising", help="generate 2D Ising configurations (S26) into an .npz file")
    p.add_argument("--L", type=int, default=40, help="linear lattice size")
    p.add_argument("--temperatures", type=_parse_range, default=_parse_range("0.25:4.0:0.25"),
                   help="start:stop:step or a comma-separated list")
    p.add_argument("--n", type=int, default=10000, help="configurations per temperature")
    p.add_argument("--seed", type=_non_negative_int, default=0)
    p.add_argument("--n-jobs", type=int, default=1)
    p.add_argument("--no-cache", action="store_true")
    p.add_argument("--out", default="ising.npz")
    p.set_defaults(func=_cmd_ising)

    p = sub.add_parser("bench", help="run benchmarks/ side by side with the peers")
    p.add_argument("cases", nargs="*", help="benchmark files to run (default: all)")
    p.add_argument("--quick", action="store_true")
    p.set_defaults(func=_cmd_bench)

    p = sub.add_parser("tutorial", help="run a tutorial script from tutorials/")
    p.add_argument("name")
    p.set_defaults(func=_cmd_tutorial)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
