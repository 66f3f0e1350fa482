"""Execution time of each notebook of the book, against its target (issues 12 and 13).

Every notebook is executed once with nbclient, in its own folder, as the book build does; the
wall time of the execution (kernel start included) is printed beside its target: 20 s for a
notebook beyond the chapter (4.7 onwards), 30 s for one that trains on a Gymnasium environment
(CartPole, MuJoCo). The chapter's own notebooks (4.1-4.6) are timed too, without a target.
Run it on a quiet machine: other load adds to every figure.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
GYM = re.compile(r"train_(ppo|reinforce|actor_critic|gaussian)\b|gym\.make|CartPole|MuJoCo")


def target(path: Path, source: str) -> float | None:
    """The issue's time limit for a notebook, in seconds (None: no target)."""
    section = int(re.match(r"4_(\d+)", path.name).group(1))
    if section < 7:
        return None
    return 30.0 if GYM.search(source) else 20.0


def main(names: list[str]) -> int:
    paths = sorted((ROOT / "book").glob("4_*.ipynb"),
                   key=lambda p: [int(x) if x.isdigit() else x
                                  for x in re.split(r"(\d+)", p.name)])
    if names:
        paths = [p for p in paths if any(n in p.name for n in names)]
    print(f"{'notebook':34s} {'seconds':>8s} {'target':>7s}  met")
    missed = 0
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        t0 = time.perf_counter()
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        seconds = time.perf_counter() - t0
        limit = target(path, source)
        if limit is None:
            print(f"{path.stem:34s} {seconds:8.1f} {'-':>7s}  -")
        else:
            ok = seconds <= limit
            missed += not ok
            print(f"{path.stem:34s} {seconds:8.1f} {limit:7.0f}  {'yes' if ok else 'NO'}")
    print(f"targets missed: {missed}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
