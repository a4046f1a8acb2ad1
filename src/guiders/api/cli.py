"""``guiders openapi``: the API's OpenAPI document, for the web code's generated types.

The TypeScript types of ``web/src/shared/api.d.ts`` are generated from this document
(``npm run gen:api`` in ``web/``), and a test fails when the committed copy is stale, so the
document must not depend on where or how the command runs: the app is built on a throw-away
data folder, nothing is started or connected, and the keys are written sorted.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import click


def openapi_document() -> dict[str, Any]:
    from guiders.api.app import create_app
    from guiders.config import Settings

    with tempfile.TemporaryDirectory() as folder:
        app = create_app(Settings(data_dir=Path(folder), environment="test"))
        return app.openapi()


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@click.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the document to this file (default: standard output).",
)
def openapi(out: Path | None) -> None:
    """Print (or write) the REST API's OpenAPI document, as the server serves it."""
    text = render(openapi_document())
    if out is None:
        click.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    click.echo(f"wrote {out}", err=True)
