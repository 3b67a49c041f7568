"""Run the benchmarks: ``python benchmarks/run.py [regression optim ...] [--quick]``.

Imports every ``bench_*.py`` in this folder (or those named), runs its
``run(bench)``, prints one table and writes ``benchmarks/results.json``.
"""

import argparse
import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _runner import Bench  # noqa: E402


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {value}")
    return value


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help="benchmark files without bench_ and .py (default: all)")
    parser.add_argument("--quick", action="store_true", help="small sizes, to check that they run")
    parser.add_argument("--repeats", type=_positive_int, default=5, help="timed calls per side (>= 1)")
    args = parser.parse_args(argv)
    files = sorted(HERE.glob("bench_*.py"))
    if args.names:
        files = [f for f in files if f.stem.removeprefix("bench_") in args.names]
        if not files:
            parser.error(f"no benchmark named {args.names}")
    bench = Bench(quick=args.quick, repeats=args.repeats)
    print(Bench.header())
    for f in files:
        bench.file = f.stem
        importlib.import_module(f.stem).run(bench)
    bench.write_json(HERE / "results.json")
    print(f"\nwrote {HERE / 'results.json'}")


if __name__ == "__main__":
    main()
