"""A month of synthetic traffic with a known shift, replayed through the live model monitor.

The population is the UCI held-out 20 % (rows the model never saw, with their real outcomes),
scored by a model trained on the other 80 %. Each day ``--sessions-per-day`` sessions are drawn
from it and replayed as the log would hold them: a ``visitor.analyzed`` event (the score and the
17 inputs) at a random time of the day, and a ``visitor.converted`` five minutes later for the
sessions that bought. From ``--shift-day`` on, the traffic changes in a known way: new visitors
make ``--new-share`` of the sessions (about 14 % before), as when a campaign starts.

Figures printed:
- drift: hours of shifted data before the ``ModelInputDrift`` rule fires on the worker's hourly
  report (PSI of the last 24 h against the training bins stored with the model), which input
  fired, and false alarms before the shift;
- calibration: the live ECE of :class:`ModelMonitor` (the worker's code, fed event by event)
  against an offline ECE computed directly from the generator's own (score, outcome) pairs of
  the same window, at the end of every day from day 7, and the largest gap.

    PYTHONPATH=src .venv/bin/python benchmarks/model_monitoring.py [--model DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from guiders.analytics.dataset import holdout_split, load_csv
from guiders.analytics.drift import bins_from_metadata
from guiders.analytics.features import UCI_FEATURES
from guiders.analytics.metrics import expected_calibration_error
from guiders.analytics.model import ConversionModel
from guiders.analytics.monitoring import ModelMonitor, MonitorConfig
from guiders.analytics.release import build_release
from guiders.analytics.training import TrainingConfig
from guiders.observability.alerts import AlertEvaluator, model_rules

CSV = Path(__file__).resolve().parents[1] / "data" / "online-shoppers" / "train.csv"
START = datetime(2026, 10, 1, tzinfo=UTC)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, help="a model trained with --no-refit (else trained)")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--sessions-per-day", type=int, default=300)
    parser.add_argument("--shift-day", type=int, default=20, help="first day of shifted traffic")
    parser.add_argument("--new-share", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    raw, labels = load_csv(CSV)
    _, hold_x, _, hold_y = holdout_split(raw, labels)
    if args.model is None:
        out = Path(tempfile.mkdtemp()) / "model"
        log("training a model on the 80 % (boosting + extra trees, no refit)...")
        build_release(
            raw,
            labels,
            out,
            config=TrainingConfig(members=("hist_gradient_boosting", "extra_trees")),
            refit=False,
            progress=log,
        )
        args.model = out
    model = ConversionModel.load(args.model)
    bins = bins_from_metadata(model.metadata)
    if not bins:
        raise SystemExit(f"{args.model} has no training bins: train it again")
    hold_x = hold_x.reset_index(drop=True)
    scores = model.probabilities(hold_x)
    rows = hold_x.loc[:, list(UCI_FEATURES)].to_dict("records")
    is_new = (hold_x["VisitorType"] == "New_Visitor").to_numpy()
    base_share = float(is_new.mean())

    rng = np.random.default_rng(args.seed)
    events: list[tuple[datetime, str, dict[str, object]]] = []
    truth: list[tuple[datetime, float, bool]] = []
    for day in range(args.days):
        weights = np.ones(len(rows))
        if day + 1 >= args.shift_day:
            weights = np.where(
                is_new, args.new_share / base_share, (1 - args.new_share) / (1 - base_share)
            )
        picks = rng.choice(len(rows), size=args.sessions_per_day, p=weights / weights.sum())
        for n, i in enumerate(picks):
            at = START + timedelta(days=day, seconds=float(rng.uniform(0, 86400)))
            session = f"d{day}-{n}"
            payload = {
                "sessionId": session,
                "conversionProbability": float(scores[i]),
                "features": rows[i],
            }
            events.append((at, "visitor.analyzed", payload))
            if hold_y[i]:
                events.append(
                    (at + timedelta(minutes=5), "visitor.converted", {"sessionId": session})
                )
            truth.append((at, float(scores[i]), bool(hold_y[i])))
    events.sort(key=lambda e: e[0])
    log(
        f"{len(truth)} sessions over {args.days} days, {len(events)} events; new visitors "
        f"{base_share:.1%} before day {args.shift_day}, {args.new_share:.0%} from it"
    )

    config = MonitorConfig(calibration_days=args.days, drift_hours=24)
    monitor = ModelMonitor(config)
    rules = model_rules()
    evaluator = AlertEvaluator(rules)
    shift_at = START + timedelta(days=args.shift_day - 1)
    raised_at: datetime | None = None
    fired_feature: str | None = None
    false_alarms = 0
    gaps: list[tuple[int, float, float, int]] = []
    cursor = 0
    started = time.perf_counter()
    for hour in range(1, args.days * 24 + 1):
        now = START + timedelta(hours=hour)
        while cursor < len(events) and events[cursor][0] <= now:
            at, type_, payload = events[cursor]
            monitor.handle(type_, payload, at)
            cursor += 1
        report = monitor.report(now, bins, model.version)
        point = {"modelMaxPsi": report["drift"]["maxPsi"], "modelEce": None}
        for t in evaluator.evaluate(point, now):
            if t.kind == "raised" and t.alert.rule == "ModelInputDrift":
                if now < shift_at:
                    false_alarms += 1
                elif raised_at is None:
                    raised_at, fired_feature = now, report["drift"]["feature"]
        if hour % 24 == 0 and hour // 24 >= 7:
            live = report["calibration"]
            since = now - timedelta(days=config.calibration_days)
            window = [(p, y) for at, p, y in truth if since <= at <= now]
            offline = expected_calibration_error(
                np.array([y for _, y in window], dtype=float), np.array([p for p, _ in window])
            )
            gaps.append((hour // 24, float(live["ece"]), offline, len(window)))
    seconds = time.perf_counter() - started

    print(f"model {model.version}; {len(truth)} sessions replayed in {seconds:.1f} s")
    if raised_at is None:
        print("drift: ModelInputDrift never fired after the shift")
    else:
        hours = (raised_at - shift_at).total_seconds() / 3600
        print(
            f"drift: ModelInputDrift fired {hours:.0f} h after the shift began "
            f"(input {fired_feature}); within one day of data: {'yes' if hours <= 24 else 'NO'}"
        )
    print(f"drift: false alarms before the shift: {false_alarms}")
    print("calibration: day, live ECE, offline ECE, sessions in window")
    for day, live_ece, offline, n in gaps:
        print(f"  {day:>3}  {live_ece:.4f}  {offline:.4f}  {n}")
    worst = max(abs(a - b) for _, a, b, _ in gaps)
    print(f"calibration: largest |live - offline| = {worst:.4f}; within ±0.01: {worst <= 0.01}")


if __name__ == "__main__":
    main()
