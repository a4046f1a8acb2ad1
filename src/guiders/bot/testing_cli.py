"""``guiders bot test`` and ``guiders bot diff``: the bot tested as a visitor meets it.

``test`` runs a scenario file k times against a running server and fails (exit 1) unless every
scenario passed every run. ``diff`` asks the scenarios' questions of two running servers (say
the published knowledge and settings, and a candidate started beside it) and prints the answers
that changed, before publishing the candidate. The runner (the API client) and the scenarios'
YAML are imported by the commands: every ``guiders`` command imports this module.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from guiders.bot.scenario_runner import RunResult
    from guiders.bot.scenarios import Scenario


def _load(path: Path) -> list[Scenario]:
    from guiders.bot.scenarios import ScenarioError, load

    try:
        return load(path)
    except (OSError, ScenarioError) as exc:
        raise click.BadParameter(str(exc), param_hint="FILE") from exc


@click.command("test")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--server", required=True, help="Base URL of the running server.")
@click.option(
    "--site-key",
    required=True,
    envvar="GUIDERS_SITE_KEY",
    show_envvar=True,
    help="The site's public key, as the widget sends it.",
)
@click.option("--domain", default=None, help="The site's domain [default: the server's host].")
@click.option("--runs", default=3, show_default=True, type=click.IntRange(1, 100))
@click.option(
    "--junit",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write a JUnit XML report here.",
)
@click.option("--timeout", default=20.0, show_default=True, help="Seconds to wait for a reply.")
def test(
    file: Path,
    server: str,
    site_key: str,
    domain: str | None,
    runs: int,
    junit: Path | None,
    timeout: float,
) -> None:
    """Run the scenarios of FILE against a running server, each --runs times, as a visitor.

    A scenario passes only if all its runs pass (pass^k). Exits 1 when one did not.
    The file's format: docs/bot-testing.md.
    """
    from guiders.bot.scenario_report import summarize, text_report, write_junit
    from guiders.bot.scenario_runner import Target, run_scenarios

    scenarios = _load(file)
    target = Target(server, site_key, domain, reply_timeout_s=timeout)
    total = len(scenarios) * runs

    def progress(result: RunResult) -> None:
        mark = "ok" if result.passed else "FAILED"
        click.echo(
            f"  {result.scenario} run {result.run}/{runs}: {mark} ({result.seconds:.1f} s)",
            err=True,
        )

    click.echo(f"{len(scenarios)} scenarios x {runs} runs = {total} conversations", err=True)
    results = asyncio.run(run_scenarios(target, scenarios, runs, progress))
    summaries = summarize(results)
    click.echo(text_report(summaries, runs))
    if junit is not None:
        write_junit(summaries, runs, junit)
    if not all(s.passed for s in summaries):
        raise SystemExit(1)


def _answer(turn_replies: list[str]) -> str:
    return " / ".join(t.strip() for t in turn_replies) or "(no reply)"


@click.command("diff")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--before", required=True, help="URL of the server with the current version.")
@click.option("--before-site-key", required=True, help="Its site key.")
@click.option("--after", required=True, help="URL of the server with the candidate version.")
@click.option("--after-site-key", required=True, help="Its site key.")
@click.option("--domain", default=None, help="The site's domain [default: each server's host].")
@click.option("--timeout", default=20.0, show_default=True, help="Seconds to wait for a reply.")
def diff(
    file: Path,
    before: str,
    before_site_key: str,
    after: str,
    after_site_key: str,
    domain: str | None,
    timeout: float,
) -> None:
    """Show which answers to FILE's questions change between two running servers.

    Start the candidate knowledge or settings beside the current one (docs/bot-testing.md), then
    compare: every turn of every scenario is asked once of each, and the changed replies are
    printed with their before and after. Exits 0 either way; the listing is for a person.
    """
    from guiders.bot.scenario_runner import Target, converse

    scenarios = _load(file)
    old = Target(before, before_site_key, domain, reply_timeout_s=timeout)
    new = Target(after, after_site_key, domain, reply_timeout_s=timeout)

    async def both() -> list[tuple[Scenario, list[list[str]], list[list[str]]]]:
        out = []
        for scenario in scenarios:
            a = await converse(old, scenario)
            b = await converse(new, scenario)
            out.append(
                (
                    scenario,
                    [[r.content for r in t.replies] for t in a],
                    [[r.content for r in t.replies] for t in b],
                )
            )
        return out

    changed = 0
    asked = 0
    lines: list[str] = []
    for scenario, a, b in asyncio.run(both()):
        for i, turn in enumerate(scenario.turns):
            asked += 1
            was = _answer(a[i]) if i < len(a) else "(conversation ended)"
            now = _answer(b[i]) if i < len(b) else "(conversation ended)"
            if was != now:
                changed += 1
                lines += [
                    f"* {scenario.name}, turn {i + 1}: {turn.say}",
                    f"  - before: {was}",
                    f"  + after:  {now}",
                ]
    click.echo("\n".join([*lines, f"{changed} of {asked} answers changed"]))
