"""``guiders observability``: the alert rules as Prometheus sees them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from guiders.config import Settings


def settings_rules(settings: Settings) -> str:
    from guiders.observability.alerts import model_rules, production_rules, prometheus_rules

    return prometheus_rules(
        production_rules(
            settings.alert_p95_ms,
            settings.alert_error_rate,
            settings.alert_ai_failure_rate,
            settings.alert_login_failures_per_minute,
            settings.alert_sla_breaches_per_hour,
        )
        + model_rules(settings.alert_model_ece, settings.alert_model_psi)
    )


@click.group()
def observability() -> None:
    """Metrics and alerts (docs/observability.md)."""


@observability.command("rules")
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write the file here instead of standard output (docs/alerts.rules.yml is this).",
)
def rules(output: Path | None) -> None:
    """Print the server's alert rules as a Prometheus alerting rules file.

    The thresholds are the configured ones (GUIDERS_ALERT_*), the same the server evaluates on
    each metric point.
    """
    from guiders.config import Settings

    text = settings_rules(Settings())
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text)
