"""Our CI runs the demo's bot tests: a real ``guiders up`` with its bot, and ``guiders bot test``
as a separate process talking to it as visitors; every scenario must pass all three runs."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import copy_demo_kb
from tests.e2e.server import ServerProcess

pytestmark = pytest.mark.e2e
DEMO = Path(__file__).resolve().parents[2] / "src" / "guiders" / "bot" / "demo_scenarios.yaml"


WARM_UP = "scenarios:\n  - name: the bot is up\n    turns:\n      - say: hello\n"


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, demo_kb_model: Path
) -> Iterator[ServerProcess]:
    # The pipeline worker resumes hand-overs; no agent is online, so hand-offs are "pending".
    data = tmp_path_factory.mktemp("scenarios")
    copy_demo_kb(demo_kb_model, data)  # trained once for the run: the server only loads it
    proc = ServerProcess(data, bot=True, pipeline=True)
    proc.start()
    # The bot loads the demo KB model at start (a while on a loaded machine): wait, with a
    # deadline, until it answers a visitor, so the runs below measure the bot, not its start.
    (data / "warm-up.yaml").write_text(WARM_UP)
    ready = bot_test(proc, data / "warm-up.yaml", data / "warm-up.xml", runs=1, timeout=300)
    assert ready.returncode == 0, ready.stdout + ready.stderr
    yield proc
    proc.stop()


def bot_test(
    server: ServerProcess, scenarios: Path, report: Path, *, runs: int = 3, timeout: int = 30
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "guiders.cli",
            "bot",
            "test",
            str(scenarios),
            "--server",
            server.base,
            "--site-key",
            server.credentials()["siteKey"],
            "--junit",
            str(report),
            "--runs",
            str(runs),
            "--timeout",
            str(timeout),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_the_demo_scenarios_pass_three_runs_out_of_three(
    server: ServerProcess, tmp_path: Path
) -> None:
    report = tmp_path / "report.xml"
    done = bot_test(server, DEMO, report)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "pass^3: " in done.stdout and "= 100%" in done.stdout
    suite = ET.parse(report).getroot()
    assert suite.get("failures") == "0" and int(suite.get("tests") or 0) >= 5
    assert "3 runs = " in done.stderr


def test_a_failing_expectation_fails_the_command(server: ServerProcess, tmp_path: Path) -> None:
    scenarios = tmp_path / "bad.yaml"
    scenarios.write_text(
        "scenarios:\n"
        "  - name: shipping is not about returns\n"
        "    turns:\n"
        "      - say: how long does shipping take?\n"
        "        expect: {cites: returns}\n"
    )
    report = tmp_path / "report.xml"
    done = bot_test(server, scenarios, report)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "expected a citation of 'returns'" in done.stdout
    assert ET.parse(report).getroot().get("failures") == "1"
