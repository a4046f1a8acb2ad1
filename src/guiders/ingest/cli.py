"""``guiders docs add-url | upload | add-faq | list | remove | recrawl | gaps``: a company's
knowledge sources, through the API with an integration key (docs/knowledge.md).

These commands join the ``docs`` group of ``guiders.knowledge.cli`` (beside ``evaluate``).
The API client and YAML are imported when a command runs: every ``guiders`` command imports
this module.
"""

from __future__ import annotations

import asyncio
import json
import mimetypes
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from guiders.client.cli_options import ApiAccess, api_options
from guiders.domain.errors import GuidersError

if TYPE_CHECKING:
    from guiders.client import GuidersClient

Call = Callable[["GuidersClient"], Awaitable[Any]]


def _connection(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")(fn)
    return api_options(
        key_envvar="GUIDERS_API_KEY",
        server_envvar="GUIDERS_SERVER",
        server_default="http://127.0.0.1:8000",
    )(fn)


def _call(api: ApiAccess, call: Call) -> Any:
    from guiders.client import GuidersClient

    async def go() -> Any:
        async with GuidersClient(api.server, api.key, timeout_s=60.0) as client:
            return await call(client)

    try:
        return asyncio.run(go())
    except GuidersError as exc:
        raise click.ClickException(f"{exc.code}: {exc.message}") from exc


def _show_source(s: dict[str, Any]) -> str:
    crawled = s.get("lastCrawlAt") or "never"
    line = (
        f"{s['id']}  {s['kind']:<6} {s['status']:<8} pages {s['pageCount']:<4} "
        f"chunks {s['chunkCount']:<5} failed {s['failedCount']:<3} last {crawled}  {s['name']}"
    )
    if s.get("error"):
        line += f"\n    error: {s['error']}"
    progress = s.get("progress") or {}
    if s["status"] == "crawling" and progress:
        line += f"\n    progress: {progress.get('pagesDone', 0)} done, "
        line += f"{progress.get('pagesQueued', 0)} queued"
    return line


def _print(result: Any, as_json: bool, text: Callable[[Any], str]) -> None:
    click.echo(json.dumps(result, indent=2) if as_json else text(result))


@click.command("add-url")
@_connection
@click.argument("url")
@click.option("--name", default=None, help="Shown in the console; default the host.")
@click.option("--max-pages", type=int, default=50, show_default=True)
@click.option("--max-depth", type=int, default=3, show_default=True)
@click.option(
    "--recrawl-hours", type=float, default=24.0, show_default=True, help="0: never again."
)
def add_url(
    api: ApiAccess,
    as_json: bool,
    url: str,
    name: str | None,
    max_pages: int,
    max_depth: int,
    recrawl_hours: float,
) -> None:
    """Crawl a website from URL (a start page or a sitemap.xml), same host only."""
    body = {
        "url": url,
        "name": name,
        "maxPages": max_pages,
        "maxDepth": max_depth,
        "recrawlHours": recrawl_hours,
    }
    result = _call(api, lambda c: c.request("POST", "/v2/knowledge/sources", json=body))
    _print(result, as_json, _show_source)


@click.command("upload")
@_connection
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@click.option("--name", default=None, help="The source's name; default the file name.")
@click.option("--url", default=None, help="Where the documents are published (citation link).")
def upload(
    api: ApiAccess,
    as_json: bool,
    files: tuple[Path, ...],
    name: str | None,
    url: str | None,
) -> None:
    """Upload files (HTML, Markdown, plain text, PDF, DOCX) as one source."""
    parts = [
        (p.name, p.read_bytes(), mimetypes.guess_type(p.name)[0] or "application/octet-stream")
        for p in files
    ]
    data = {k: v for k, v in (("name", name), ("url", url)) if v}
    result = _call(api, lambda c: c.upload("/v2/knowledge/sources/upload", parts, data))
    _print(result, as_json, _show_source)


@click.command("add-faq")
@_connection
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--name", default="FAQ", show_default=True)
def add_faq(api: ApiAccess, as_json: bool, file: Path, name: str) -> None:
    """Question/answer pairs from FILE: YAML or JSON, a list of {question, answer}."""
    import yaml

    try:
        pairs = yaml.safe_load(file.read_text())
    except yaml.YAMLError as exc:
        raise click.BadParameter(f"not YAML or JSON: {exc}", param_hint="FILE") from exc
    if not isinstance(pairs, list) or not all(
        isinstance(p, dict) and "question" in p and "answer" in p for p in pairs
    ):
        raise click.BadParameter("expected a list of {question, answer}", param_hint="FILE")
    body = {
        "name": name,
        "faq": [{"question": p["question"], "answer": p["answer"]} for p in pairs],
    }
    result = _call(api, lambda c: c.request("POST", "/v2/knowledge/sources", json=body))
    _print(result, as_json, _show_source)


@click.command("list")
@_connection
@click.option("--pages", "source_id", default=None, help="Show one source's pages and errors.")
def list_sources(api: ApiAccess, as_json: bool, source_id: str | None) -> None:
    """The company's sources with status, counts, last crawl and errors."""
    if source_id:
        path = f"/v2/knowledge/sources/{source_id}/pages"
        result = _call(api, lambda c: c.request("GET", path))

        def pages(r: Any) -> str:
            return "\n".join(
                f"{p['status']:<8} chunks {p['chunkCount']:<4} {p['key']}"
                + (f"\n    error: {p['error']}" if p.get("error") else "")
                for p in r["pages"]
            )

        _print(result, as_json, pages)
        return
    result = _call(api, lambda c: c.request("GET", "/v2/knowledge/sources"))
    _print(result, as_json, lambda r: "\n".join(_show_source(s) for s in r["sources"]) or "none")


@click.command("remove")
@_connection
@click.argument("source_id")
def remove(api: ApiAccess, as_json: bool, source_id: str) -> None:
    """Remove a source and everything indexed from it."""
    path = f"/v2/knowledge/sources/{source_id}"
    _call(api, lambda c: c.request("DELETE", path))
    _print({"removed": source_id}, as_json, lambda _: f"removed {source_id}")


@click.command("recrawl")
@_connection
@click.argument("source_id")
def recrawl(api: ApiAccess, as_json: bool, source_id: str) -> None:
    """Read a source again now (a crawl in progress is left to finish)."""
    path = f"/v2/knowledge/sources/{source_id}/recrawl"
    result = _call(api, lambda c: c.request("POST", path))
    _print(result, as_json, _show_source)


@click.command("gaps")
@_connection
@click.option("--limit", type=int, default=20, show_default=True)
def gaps(api: ApiAccess, as_json: bool, limit: int) -> None:
    """What the documents could not answer: questions grouped by meaning, most asked first."""
    result = _call(api, lambda c: c.request("GET", "/v2/knowledge/gaps", params={"limit": limit}))
    _print(
        result,
        as_json,
        lambda r: "\n".join(f"{g['count']:>4}  {g['question']}" for g in r["gaps"]) or "none",
    )


COMMANDS = (add_url, upload, add_faq, list_sources, remove, recrawl, gaps)


def add_source_commands(group: click.Group) -> click.Group:
    for command in COMMANDS:
        group.add_command(command)
    return group
