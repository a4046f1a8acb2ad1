"""Where the send path's time goes: ``py-spy`` samples a ``guiders up`` server while ``wrk``
loads ``POST /api/v2/chats/{id}/messages``, and prints the frames with the most samples (own
time, and time including callees), the way a flame graph's widest bars read.

    .venv/bin/python benchmarks/profile_send.py [--seconds 10] [--connections 16]
        [--postgres] [--raw /tmp/send.raw] [--top 25]

``--raw`` keeps py-spy's collapsed stacks (``flamegraph.pl`` or speedscope read them).

Needs ``py-spy`` (in the dev extras) and ``wrk``; py-spy attaches with ptrace (root, or
``kernel.yama.ptrace_scope=0``).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from processes import SharedServices, guiders
from send_message import target
from wrk_load import WrkResult, post, require_wrk


def top_frames(raw: Path, top: int) -> tuple[list[tuple[str, int]], list[tuple[str, int]], int]:
    """(own samples, inclusive samples, total) per ``function (file)`` from py-spy's raw output."""
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_short(f) for f in stack.split(";")]
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    return own.most_common(top), inclusive.most_common(top), total


def _short(frame: str) -> str:
    """``fn (path/to/module.py:12)`` -> ``fn (module.py)``."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    parts = Path(path).parts
    return f"{name} ({'/'.join(parts[-2:])})"


def sample(spy: str, pid: int, raw: Path, load: Callable[[], WrkResult]) -> float:
    """py-spy records ``pid`` into ``raw`` while ``load`` runs; the load's rate."""
    command = [spy, "record", "--pid", str(pid), "--rate", "200", "--nonblocking"]
    spying = subprocess.Popen(
        [*command, "--format", "raw", "-o", str(raw)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        result = load()
    finally:
        spying.send_signal(signal.SIGINT)  # py-spy writes what it has on SIGINT
        spying.wait(30)
    return result.ok_per_s


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--server-cpus", default="0")
    parser.add_argument("--load-cpus", default="1")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--raw", help="keep the collapsed stacks here")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    require_wrk()
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    shared = await SharedServices().create() if args.postgres else None
    env = {k: v for k, v in shared.env.items() if "REDIS" not in k} if shared else {}
    with tempfile.TemporaryDirectory() as tmp:
        server = guiders(Path(tmp), env, cpus=args.server_cpus)
        try:
            url, headers = await target(server, Path(tmp))
            load = {"connections": args.connections, "cpus": args.load_cpus}
            post(url, headers, seconds=1, **load)  # warm-up
            load["seconds"] = args.seconds
            raw = Path(tmp) / "send.raw"
            rate = sample(spy, server.proc.pid, raw, lambda: post(url, headers, **load))
            if args.raw:
                shutil.copy(raw, args.raw)
        finally:
            server.stop()
            if shared is not None:
                await shared.drop()
        own, inclusive, total = top_frames(raw, args.top)
    print(f"{rate:.0f} msg/s under the profiler; {total} samples")
    print("own time (self):")
    for frame, count in own:
        print(f"  {100 * count / total:5.1f}%  {frame}")
    print("including callees:")
    for frame, count in inclusive:
        print(f"  {100 * count / total:5.1f}%  {frame}")


if __name__ == "__main__":
    asyncio.run(main())
