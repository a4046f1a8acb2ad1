"""HTTP load from ``wrk`` (Debian's package), pinned to its own core, with a check that the
generator itself was not the bottleneck.

A Python client tops out near 1,000 requests/s on this machine, below what a bare FastAPI
endpoint serves, so a Python-driven ratio measures the client. ``wrk`` is C and event-driven:
one thread on one core drives tens of thousands of requests/s, and its CPU share is printed
beside every figure (a share near 100 % of its core means the figure is a floor).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from processes import cpu_seconds

POST_SCRIPT = """
wrk.method = "POST"
wrk.body = '{"content": "benchmark message from wrk"}'
wrk.headers["Content-Type"] = "application/json"
%s
"""


@dataclass(frozen=True)
class WrkResult:
    requests: int
    non_2xx: int
    errors: int
    seconds: float
    generator_cpu_share: float
    """CPU seconds wrk used per wall second (1.0 = one core saturated)."""

    @property
    def ok_per_s(self) -> float:
        return (self.requests - self.non_2xx - self.errors) / self.seconds

    @property
    def saturated(self) -> bool:
        return self.generator_cpu_share >= 0.8


def require_wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    return found


def post(
    url: str,
    headers: dict[str, str],
    *,
    seconds: float,
    connections: int,
    cpus: str,
) -> WrkResult:
    """``wrk -t1 -c{connections}`` POSTing one JSON body to ``url`` for ``seconds``."""
    header_lines = "\n".join(f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items())
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(POST_SCRIPT % header_lines)
    command = ["taskset", "-c", cpus, require_wrk(), "-t1", f"-c{connections}"]
    command += [f"-d{seconds:g}s", "-s", script.name, url]
    started = time.monotonic()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    cpu = [0.0]

    def sample() -> None:
        # the last reading before wrk exits: its own user+system time
        while proc.poll() is None:
            try:
                cpu[0] = cpu_seconds(proc.pid)
            except (FileNotFoundError, ProcessLookupError):
                break
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    sampler.join()
    elapsed = time.monotonic() - started
    Path(script.name).unlink(missing_ok=True)
    return parse(out, cpu[0] / max(elapsed, 1e-9))


def parse(output: str, cpu_share: float) -> WrkResult:
    total = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)", output)
    if total is None:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    unit = {"ms": 0.001, "s": 1.0, "m": 60.0}[total.group(3)]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return WrkResult(
        requests=int(total.group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        errors=sum(int(g) for g in errors.groups()) if errors else 0,
        seconds=float(total.group(2)) * unit,
        generator_cpu_share=cpu_share,
    )
