"""Wire compatibility with the JavaScript Socket.IO v4 client, doing what the widget SDK does.

The Node script (``tests/e2e/js/wire_check.mjs``, ``socket.io-client`` pinned in the lockfile)
identifies like the pixel, opens a chat, connects with the session cookie, joins, receives an
agent's REST message as ``message:new`` and resumes after a disconnect.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require_service
from tests.e2e.server import ServerProcess

pytestmark = pytest.mark.e2e
JS_DIR = Path(__file__).parent / "js"


@pytest.fixture(scope="module")
def node_client() -> str:
    node, npm = shutil.which("node"), shutil.which("npm")
    require_service("Node.js and npm", node is not None and npm is not None)
    assert node is not None and npm is not None
    if not (JS_DIR / "node_modules" / "socket.io-client").is_dir():
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=JS_DIR,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
    return node


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    proc = ServerProcess(tmp_path_factory.mktemp("js"))
    proc.start()
    yield proc
    proc.stop()


def test_the_js_client_speaks_our_socket_io(node_client: str, server: ServerProcess) -> None:
    creds = server.credentials()
    done = subprocess.run(
        [node_client, "wire_check.mjs", server.base, creds["siteKey"], creds["integrationKey"]],
        cwd=JS_DIR,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:] or done.stdout[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"ok": True, "transport": "websocket", "replayed": 3}
