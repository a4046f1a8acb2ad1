"""``guiders pipeline``: check rules, run the worker, dry-run past events, the dead letters."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from guiders.pipeline.loading import RulesError, load_rules

EXAMPLE_RULES = Path(__file__).with_name("example_rules.yaml")


@click.group()
def pipeline() -> None:
    """The real-time pipeline: business rules, actions, sagas (see docs/pipeline.md)."""


@pipeline.command("check")
@click.argument("rules", type=click.Path(path_type=Path, dir_okay=False))
def check(rules: Path) -> None:
    """Validate a RULES file; exit code 1 and every problem (file, line, field) if it is bad."""
    try:
        ruleset = load_rules(rules)
    except RulesError as exc:
        click.echo(exc.describe(), err=True)
        sys.exit(1)
    enabled = sum(1 for r in ruleset.rules if r.enabled)
    click.echo(f"{rules}: OK, {len(ruleset.rules)} rules ({enabled} enabled)")
    for rule in ruleset.rules:
        actions = ", ".join(a.type for a in rule.then)
        state = "" if rule.enabled else "  (disabled)"
        click.echo(f"  {rule.name}: {actions}{state}")
