"""Start ``guiders up`` as a real process on a free port, for end-to-end tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from tests.waiting import eventually_sync


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        env: dict[str, str] | None = None,
        *,
        analytics: bool = False,
        bot: bool = False,
        pipeline: bool = False,
        documents: bool = False,
        capture_stdout: bool = False,
        **more_env: str,
    ) -> None:
        """``env`` and ``more_env`` add ``GUIDERS_*`` settings (database, Redis...) for this
        process only; ``analytics`` runs the in-process scoring worker (and its first-start
        training); ``bot`` runs the AI bot and ``pipeline`` the rules worker, ``documents`` seeds
        the demo's help pages (all off by default so other tests see only their own messages,
        actions and documents)."""
        self.data_dir = data_dir
        self.analytics = analytics
        self.bot = bot
        self.pipeline = pipeline
        self.documents = documents
        self.capture_stdout = capture_stdout
        """stdout (what ``guiders up`` prints) into ``server.log`` too."""
        self.env = {**(env or {}), **more_env}
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 180) -> None:
        """Returns once ``/api/health`` answers. A deadline, not a wait: a process that exits
        fails at once; 180 s because a loaded machine (load 20-30 on two cores, measured)
        took over 60 s to start one, and a timeout there proved nothing about the code."""
        env = {
            **os.environ,
            "GUIDERS_RATE_LIMIT_PER_MINUTE": "100000",
            "GUIDERS_PUBLIC_RATE_LIMIT_PER_MINUTE": "100000",
            "GUIDERS_FAILED_AUTH_PER_MINUTE": "100000",
            "GUIDERS_ANALYTICS_ENABLED": "true" if self.analytics else "false",
            "GUIDERS_BOT_ENABLED": "true" if self.bot else "false",
            "GUIDERS_PIPELINE_ENABLED": "true" if self.pipeline else "false",
            "GUIDERS_DEMO_DOCUMENTS": "true" if self.documents else "false",
            # agents set online over REST, without a console socket, are given chats in
            # the tests that do not open one; test_presence_tabs.py turns it back on
            "GUIDERS_PRESENCE_REQUIRES_CONNECTION": "false",
            **self.env,
        }
        log = open(self.data_dir / "server.log", "ab")  # noqa: SIM115 - the child keeps it
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "guiders.cli",
                "up",
                "--port",
                str(self.port),
                "--data-dir",
                str(self.data_dir),
            ],
            env=env,
            stdout=log if self.capture_stdout else subprocess.DEVNULL,
            stderr=log,
        )
        proc = self.proc

        def healthy() -> bool:
            if proc.poll() is not None:
                raise RuntimeError((self.data_dir / "server.log").read_text()[-3000:])
            try:
                return httpx.get(f"{self.base}/api/health", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        eventually_sync(healthy, timeout=timeout, interval=0.2, what=f"the server on {self.base}")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def credentials(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads((self.data_dir / "demo-credentials.json").read_text())
        return loaded
