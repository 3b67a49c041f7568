"""The shared benchmark runner: physml and its peer timed in one process, alternating.

A benchmark file ``bench_<chapter>.py`` defines ``run(bench)`` and calls
``bench.compare`` once per case:

    bench.compare("ridge n=1e6", sizes="n=1e6 p=10",
                  physml=lambda: ours.fit(X, y), peer=lambda: theirs.fit(X, y),
                  peer_name="scikit-learn",
                  quality=lambda model: model.score(X, y), quality_name="R^2")

Each callable is timed ``repeats`` times, physml and peer alternating so that
drift of the machine hits both alike; the table shows the median of each and
the ratio physml / peer (below 1 means physml is faster). ``quality`` is
applied to the return value of the last call of each side.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from dataclasses import asdict, dataclass, field


@dataclass
class Row:
    file: str
    case: str
    sizes: str
    physml_s: float
    peer_s: float
    peer_name: str
    ratio: float
    quality_name: str = ""
    physml_quality: float | str | None = None
    peer_quality: float | str | None = None
    goal: str = ""


def _q(x):
    if x is None:
        return ""
    return f"{x:.6g}" if isinstance(x, (int, float)) else str(x)


@dataclass
class Bench:
    """Collects rows; ``quick`` asks the benchmark files to shrink their sizes."""

    quick: bool = False
    repeats: int = 5
    rows: list = field(default_factory=list)
    file: str = ""

    def time(self, fn, repeats=None):
        """Median seconds of ``fn()`` over ``repeats`` calls (after one warm-up), and its last result."""
        result = fn()
        times = []
        for _ in range(repeats or self.repeats):
            t0 = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - t0)
        return statistics.median(times), result

    def compare(self, case, *, sizes, physml, peer, peer_name, quality=None, quality_name="",
                peer_quality=None, repeats=None, warmup=True, goal=""):
        """Time ``physml()`` and ``peer()`` alternately; record and print one row."""
        repeats = repeats or self.repeats
        if warmup:
            res_a, res_b = physml(), peer()
        ta, tb = [], []
        for _ in range(repeats):
            t0 = time.perf_counter()
            res_a = physml()
            ta.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            res_b = peer()
            tb.append(time.perf_counter() - t0)
        a, b = statistics.median(ta), statistics.median(tb)
        peer_quality = peer_quality or quality
        row = Row(self.file, case, sizes, a, b, peer_name, a / b if b > 0 else float("inf"), quality_name,
                  quality(res_a) if quality else None, peer_quality(res_b) if peer_quality else None, goal)
        self.rows.append(row)
        print(self.format_row(row), flush=True)
        return row

    @staticmethod
    def header() -> str:
        return (f"{'case':<44s} {'sizes':<26s} {'physml s':>10s} {'peer s':>10s} {'ratio':>7s}  "
                f"{'peer':<22s} {'quality':<10s} {'physml':>10s} {'peer':>10s}  goal")

    @staticmethod
    def format_row(r: Row) -> str:
        return (f"{r.case:<44s} {r.sizes:<26s} {r.physml_s:10.4g} {r.peer_s:10.4g} {r.ratio:7.3f}  "
                f"{r.peer_name:<22s} {r.quality_name:<10s} {_q(r.physml_quality):>10s} {_q(r.peer_quality):>10s}  {r.goal}")

    def write_json(self, path):
        """Merge this run's rows into ``path`` (rows of files not run this time are kept)."""
        old = []
        if os.path.exists(path):
            with open(path) as f:
                old = json.load(f).get("rows", [])
        files = {r.file for r in self.rows}
        rows = [r for r in old if r.get("file") not in files] + [asdict(r) for r in self.rows]
        meta = {"machine": platform.machine(), "python": platform.python_version(),
                "cpus": os.cpu_count(), "quick": self.quick, "time": time.strftime("%Y-%m-%d %H:%M:%S")}
        tmp = f"{path}.tmp"
        with open(tmp, "w") as f:
            json.dump({"meta": meta, "rows": rows}, f, indent=1)
        os.replace(tmp, path)
