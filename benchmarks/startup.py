"""How long the ``guiders`` command takes to start: ``--help`` of the command and of its
groups, and ``guiders up`` from the process start until ``/api/health`` answers (a fresh data
directory each time, a free port). Medians of ``--rounds`` runs, each a new process, and the
machine's load average beside them (the figures move with whatever else runs).

``guiders up`` is timed twice: as the end-to-end tests start it (bot, analytics scoring, rules
worker and demo documents off) and with the defaults (all on: the health check answers before
the in-process workers have finished their own start).

    .venv/bin/python benchmarks/startup.py [--rounds 3] [--no-up] [--src A/src --src B/src]

With two ``--src`` trees (say main's and a branch's) the two alternate in each round, so both
meet the same load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from processes import free_port

SRC = Path(__file__).resolve().parent.parent / "src"
HELP_COMMANDS = [
    ["--help"],
    ["up", "--help"],
    ["bot", "--help"],
    ["analytics", "--help"],
    ["pipeline", "--help"],
]
TESTS_ENV = {
    "GUIDERS_BOT_ENABLED": "false",
    "GUIDERS_ANALYTICS_ENABLED": "false",
    "GUIDERS_PIPELINE_ENABLED": "false",
    "GUIDERS_DEMO_DOCUMENTS": "false",
}


def _env(src: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    path = os.environ.get("PYTHONPATH")
    return {
        **os.environ,
        "PYTHONPATH": f"{src}{os.pathsep}{path}" if path else str(src),
        **(extra or {}),
    }


def time_command(src: Path, args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "guiders.cli", *args],
        env=_env(src),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def time_up(src: Path, extra: dict[str, str], timeout: float = 300) -> float:
    """Seconds from the process start until ``/api/health`` answers 200."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="guiders-startup-") as data_dir:
        log = open(Path(data_dir) / "server.log", "wb")  # noqa: SIM115 - the child keeps it
        started = time.perf_counter()
        command = [sys.executable, "-m", "guiders.cli", "up", "--port", str(port)]
        proc = subprocess.Popen(
            [*command, "--data-dir", data_dir],
            env=_env(src, extra),
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            while time.perf_counter() - started < timeout:
                if proc.poll() is not None:
                    raise RuntimeError((Path(data_dir) / "server.log").read_text()[-3000:])
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).is_success:
                        return time.perf_counter() - started
                except httpx.HTTPError:
                    pass
                time.sleep(0.02)
            raise TimeoutError(f"guiders up did not answer within {timeout} s")
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()


def _row(name: str, times: list[float]) -> str:
    runs = ", ".join(f"{t:.2f}" for t in times)
    return f"{name:<40} median {statistics.median(times):6.2f} s   ({runs})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--src",
        type=Path,
        action="append",
        help="a tree to time (default this one); given twice, the two alternate in each round",
    )
    parser.add_argument("--no-up", action="store_true", help="only the --help commands")
    args = parser.parse_args()
    trees: list[Path] = args.src or [SRC]
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    measures: list[tuple[str, Callable[[Path], float]]] = [
        ("guiders " + " ".join(c), lambda src, c=c: time_command(src, c)) for c in HELP_COMMANDS
    ]
    if not args.no_up:
        measures.append(("guiders up -> health (tests' env)", lambda src: time_up(src, TESTS_ENV)))
        measures.append(("guiders up -> health (defaults)", lambda src: time_up(src, {})))
    for name, measure in measures:
        times: dict[Path, list[float]] = {tree: [] for tree in trees}
        for _ in range(args.rounds):
            for tree in trees:
                times[tree].append(measure(tree))
        for i, tree in enumerate(trees):
            label = name if len(trees) == 1 else f"{name} [{i + 1}]"
            print(_row(label, times[tree]))
    for i, tree in enumerate(trees):
        print(f"[{i + 1}] {tree}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
