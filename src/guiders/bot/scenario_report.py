"""pass^k of a bot test, as text and as a JUnit XML report a CI understands.

A scenario passes only if all its k runs pass: an LLM may answer well once and badly the next
time, and a visitor meets whichever comes. The JUnit file has one test case per scenario (its
failure lists every failed run and why); it is written with the standard library's ElementTree,
since the format is five elements and a dependency would add nothing.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from guiders.bot.scenario_runner import RunResult


@dataclass(frozen=True)
class ScenarioSummary:
    name: str
    runs: int
    passed_runs: int
    seconds: float
    problems: list[str]

    @property
    def passed(self) -> bool:
        return self.runs > 0 and self.passed_runs == self.runs


def summarize(results: Sequence[RunResult]) -> list[ScenarioSummary]:
    by_name: dict[str, list[RunResult]] = {}
    for result in results:
        by_name.setdefault(result.scenario, []).append(result)
    out = []
    for name, runs in by_name.items():
        problems = [
            f"run {r.run}: {line}" for r in runs for line in ([r.error] if r.error else r.failures)
        ]
        out.append(
            ScenarioSummary(
                name,
                len(runs),
                sum(r.passed for r in runs),
                sum(r.seconds for r in runs),
                problems,
            )
        )
    return out


def pass_k(summaries: Sequence[ScenarioSummary]) -> float:
    """Share of scenarios whose every run passed."""
    return sum(s.passed for s in summaries) / len(summaries) if summaries else 0.0


def text_report(summaries: Sequence[ScenarioSummary], k: int) -> str:
    lines = []
    for s in summaries:
        mark = "PASS" if s.passed else "FAIL"
        lines.append(f"{mark}  {s.name}  ({s.passed_runs}/{s.runs} runs, {s.seconds:.1f} s)")
        lines += [f"      {p}" for p in s.problems]
    passed = sum(s.passed for s in summaries)
    lines.append(f"pass^{k}: {passed}/{len(summaries)} scenarios = {pass_k(summaries):.0%}")
    return "\n".join(lines)


def write_junit(summaries: Sequence[ScenarioSummary], k: int, path: Path) -> None:
    suite = ET.Element(
        "testsuite",
        {
            "name": f"guiders bot test (pass^{k})",
            "tests": str(len(summaries)),
            "failures": str(sum(not s.passed for s in summaries)),
            "errors": "0",
            "time": f"{sum(s.seconds for s in summaries):.3f}",
        },
    )
    for s in summaries:
        case = ET.SubElement(
            suite,
            "testcase",
            {"classname": "guiders.bot", "name": s.name, "time": f"{s.seconds:.3f}"},
        )
        if not s.passed:
            failure = ET.SubElement(
                case, "failure", {"message": f"{s.passed_runs} of {s.runs} runs passed"}
            )
            failure.text = "\n".join(s.problems)
    ET.indent(suite)
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)
