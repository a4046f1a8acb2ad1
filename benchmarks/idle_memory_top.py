"""Where an idle Socket.IO connection's memory goes: tracemalloc in the Guiders server.

Starts ``guiders up`` in a child process with tracemalloc on (``--frames`` frames per
allocation), takes a snapshot after a warm-up, opens ``--connections`` idle sockets (as
``idle_connections.py`` does), holds them through a server ping, takes a second snapshot, and
prints the allocation sites that grew, in bytes per connection. The measuring client runs in
this process, so its own objects are not in the server's snapshots.

    PYTHONPATH=src .venv/bin/python benchmarks/idle_memory_top.py [--connections 1000] [--top 30]

tracemalloc counts Python's allocations only (not the kernel's socket buffers, nor RSS slack),
so the total is below ``idle_connections.py``'s RSS figure; it says which objects to cut.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eio_client import RawSocket, connect_many
from processes import SERVER_ENV, Server, credentials, guiders, raise_fd_limit


def serve(dumps: Path, frames: int) -> None:
    """The child: tracemalloc on, a snapshot to ``dumps/<n>.snap`` on each SIGUSR1."""
    tracemalloc.start(frames)
    taken = 0

    def dump(*_: object) -> None:
        nonlocal taken
        taken += 1
        tracemalloc.take_snapshot().dump(str(dumps / f"{taken}.snap"))

    signal.signal(signal.SIGUSR1, dump)
    from guiders.cli import main

    main(sys.argv[sys.argv.index("--") + 1 :])


def snapshot(server: Server, dumps: Path, n: int) -> tracemalloc.Snapshot:
    server.proc.send_signal(signal.SIGUSR1)
    path = dumps / f"{n}.snap"
    deadline = time.monotonic() + 120
    size = -1
    while time.monotonic() < deadline:  # written by the child: wait until it stops growing
        if path.exists() and path.stat().st_size == size and size > 0:
            return tracemalloc.Snapshot.load(str(path))
        size = path.stat().st_size if path.exists() else -1
        time.sleep(0.5)
    raise TimeoutError(path)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--hold", type=float, default=30)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--frames", type=int, default=1)
    parser.add_argument(
        "--by", choices=("lineno", "traceback"), default="lineno", help="group allocations by"
    )
    args = parser.parse_args()
    raise_fd_limit()
    with tempfile.TemporaryDirectory() as tmp:
        dumps = Path(tmp) / "snaps"
        dumps.mkdir()
        server = guiders(Path(tmp))
        server.stop()  # seeded; now the same data dir, served under tracemalloc
        server = Server(
            [__file__, "--serve", str(dumps), str(args.frames), "--", "up", "--data-dir", tmp],
            SERVER_ENV,
        )
        try:
            auth = {"token": credentials(Path(tmp))["integrationKey"]}
            warm = [RawSocket(server.base, auth) for _ in range(50)]
            await connect_many(warm)
            await asyncio.sleep(2)
            before = snapshot(server, dumps, 1)
            sockets = [RawSocket(server.base, auth) for _ in range(args.connections)]
            await connect_many(sockets, concurrency=50, within=120)
            await asyncio.sleep(args.hold)
            after = snapshot(server, dumps, 2)
            alive = sum(1 for s in sockets if s._reader is not None and not s._reader.done())
            for s in [*warm, *sockets]:
                await s.close()
        finally:
            server.stop()
    stats = after.compare_to(before, args.by)
    n = args.connections
    total = sum(s.size_diff for s in stats)
    print(
        f"{alive}/{n} alive; traced growth {total / n / 1024:.1f} KiB per connection "
        f"(load average {os.getloadavg()[0]:.1f})"
    )
    for stat in stats[: args.top]:
        where = stat.traceback.format()[-1 if args.by == "lineno" else 0 :]
        print(
            f"{stat.size_diff / n:8.0f} B {stat.count_diff / n:6.2f} blocks  "
            + " <- ".join(line.strip() for line in where[::-1] if line.strip())
        )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve(Path(sys.argv[2]), int(sys.argv[3]))
    else:
        asyncio.run(main())
