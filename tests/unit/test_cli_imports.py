"""What the ``guiders`` command imports before a command runs: only click and its own modules.

Every ``guiders`` process (``--help``, ``guiders up`` in each end-to-end test, a worker) paid
seconds for scikit-learn, pandas, the API client and the settings before these were imported
by the commands that use them (docs/performance.md, "Start-up, session 8"). Each check runs in
a fresh interpreter: this one has imported them all already.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"

HEAVY = (
    "sklearn",
    "pandas",
    "numpy",
    "scipy",
    "torch",
    "sentence_transformers",
    "socketio",
    "engineio",
    "httpx",
    "aiohttp",
    "redis",
    "pydantic",
    "pydantic_settings",
    "fastapi",
    "sqlalchemy",
    "yaml",
    "openai",
)

_PROBE = """
import json, sys
from click.testing import CliRunner
from guiders.cli import main
runner = CliRunner()
for args in json.loads(sys.argv[1]):
    result = runner.invoke(main, args)
    assert result.exit_code == 0, (args, result.output, result.exception)
heavy = json.loads(sys.argv[2])
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in heavy)))
"""


def _imported_by(*commands: list[str]) -> list[str]:
    path = os.environ.get("PYTHONPATH")
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{path}" if path else str(SRC)}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(list(commands)), json.dumps(HEAVY)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    imported: list[str] = json.loads(done.stdout)
    return imported


def test_the_help_of_every_command_imports_nothing_heavy() -> None:
    from click import Group

    from guiders.cli import main

    commands: list[list[str]] = [["--help"]]

    def walk(group: Group, prefix: list[str]) -> None:
        for name, command in group.commands.items():
            commands.append([*prefix, name, "--help"])
            if isinstance(command, Group):
                walk(command, [*prefix, name])

    walk(main, [])
    assert len(commands) > 40  # every group and command, not only the top
    assert _imported_by(*commands) == []


@pytest.mark.parametrize("module", ["guiders.client", "guiders.knowledge"])
def test_a_package_s_names_are_imported_on_first_use_and_errors_still_show(module: str) -> None:
    """The packages export their names lazily (PEP 562): each is the real object, and a name
    that is not there is an ImportError/AttributeError as before."""
    import importlib

    package = importlib.import_module(module)
    for name in package.__all__:
        value = getattr(package, name)
        assert getattr(importlib.import_module(value.__module__), name) is value
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = package.Nope
    with pytest.raises(ImportError):
        exec(f"from {module} import Nope", {})
