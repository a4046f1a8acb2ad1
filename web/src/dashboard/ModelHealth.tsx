// The conversion model watched live (GET /api/v2/analytics/model-health): the reliability diagram
// of the scores given against the conversions recorded since, the ECE, the drift (PSI) of each
// input against the training data, the model alerts, and a retrain proposal an admin confirms.

import { Chart, ScatterController } from "chart.js";
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "../shared/http";
import type { StaffSession } from "../shared/staff";

Chart.register(ScatterController);

interface Bin {
  lower: number;
  upper: number;
  count: number;
  meanPredicted: number | null;
  observedRate: number | null;
}

interface Report {
  modelVersion: string | null;
  measuredAt: string;
  calibration: { days: number; rows: number; positives: number; ece: number | null; noiseFloor: number | null; bins: Bin[] };
  drift: { hours: number; rows: number; psi: Record<string, number>; maxPsi: number | null; feature: string | null; reason: string | null };
}

interface ModelAlert {
  rule: string;
  summary: string;
  value: number;
  threshold: number;
}

interface Proposal {
  proposalId: string;
  status: "proposed" | "confirmed";
  reasons: string[];
  command: string;
  proposedAt: string;
}

export interface Health {
  latest: Report | null;
  alerts: ModelAlert[];
  proposal: Proposal | null;
  lastOutcome: { promoted: boolean; reason: string; candidateVersion: string | null } | null;
  thresholds: Record<string, number>;
}

const fixed = (v: number | null | undefined, digits = 3) => (v === null || v === undefined ? "–" : v.toFixed(digits));

export function ModelHealthPanels({ session, refresh }: { session: StaffSession; refresh: number }) {
  const [health, setHealth] = useState<Health | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [forbidden, setForbidden] = useState(false);
  const load = () =>
    session
      .call<Health>("GET", "/v2/analytics/model-health")
      .then((h) => (setHealth(h), setError(null)))
      .catch((err) => {
        // The board already says who may see the dashboard; no second message for the same 403.
        if (err instanceof ApiError && err.status === 403) setForbidden(true);
        else setError(err instanceof Error ? err.message : String(err));
      });
  useEffect(() => {
    void load();
    const timer = window.setInterval(load, 60_000);
    return () => window.clearInterval(timer);
  }, [refresh]);
  const confirm = async () => {
    if (!health?.proposal) return;
    try {
      setHealth(await session.call<Health>("POST", `/v2/analytics/retrain-proposals/${health.proposal.proposalId}/confirm`));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  const report = health?.latest ?? null;
  const admin = session.user?.role === "admin";
  if (forbidden) return null;
  return (
    <>
      {health && (health.proposal || health.alerts.length > 0 || health.lastOutcome) && (
        <div class="box panel" data-panel="model-notice" style="margin:12px 14px 0">
          <h3>Conversion model</h3>
          <ul style="margin:0;padding-left:18px">
            {health.alerts.map((a) => (
              <li key={a.rule} data-rule={a.rule}>
                <b>WARNING</b> {a.rule}: {a.summary} (value {a.value.toPrecision(3)}, threshold {a.threshold})
              </li>
            ))}
          </ul>
          {health.proposal && (
            <p data-proposal={health.proposal.status}>
              A retrain is proposed ({health.proposal.reasons.join(", ")}); it is promoted only if no worse on the held-out rows.{" "}
              {health.proposal.status === "confirmed" ? (
                <b>Confirmed: the analytics worker is retraining.</b>
              ) : admin ? (
                <button data-action="confirm-retrain" onClick={confirm}>
                  Confirm retrain
                </button>
              ) : (
                <span>An admin confirms it.</span>
              )}
            </p>
          )}
          {health.lastOutcome && (
            <p data-outcome={health.lastOutcome.promoted ? "promoted" : "kept"}>
              Last retrain: {health.lastOutcome.candidateVersion ?? "candidate"} {health.lastOutcome.promoted ? "promoted" : "not promoted"} ({health.lastOutcome.reason}).
            </p>
          )}
        </div>
      )}
      {error && <div class="err" style="padding:8px 12px">{error}</div>}
      <div class="grid" data-section="model">
        <Reliability report={report} threshold={health?.thresholds.modelEce} />
        <Drift report={report} threshold={health?.thresholds.modelMaxPsi} />
      </div>
    </>
  );
}

function Reliability({ report, threshold }: { report: Report | null; threshold: number | undefined }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart | null>(null);
  const bins = (report?.calibration.bins ?? []).filter((b) => b.count > 0 && b.meanPredicted !== null);
  useEffect(() => {
    if (!canvas.current) return;
    chart.current = new Chart(canvas.current, {
      type: "scatter",
      data: {
        datasets: [
          { label: "perfect calibration", data: [{ x: 0, y: 0 }, { x: 1, y: 1 }], showLine: true, borderColor: "#9ca3af", pointRadius: 0 },
          { label: "observed", data: [], showLine: true, borderColor: "#2563eb", backgroundColor: "#2563eb", pointRadius: 4 },
        ],
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: { x: { min: 0, max: 1, title: { display: true, text: "score given" } }, y: { min: 0, max: 1, title: { display: true, text: "share converted" } } },
        plugins: { legend: { display: false } },
      },
    });
    return () => chart.current?.destroy();
  }, []);
  const key = bins.map((b) => `${b.meanPredicted},${b.observedRate}`).join(";");
  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    c.data.datasets[1].data = bins.map((b) => ({ x: b.meanPredicted ?? 0, y: b.observedRate ?? 0 }));
    c.update();
  }, [key]);
  const cal = report?.calibration;
  const title = cal
    ? `Live calibration · ECE ${fixed(cal.ece)} (noise floor ${fixed(cal.noiseFloor)}, alert above ${threshold ?? "?"}) · ${cal.rows} sessions, ${cal.positives} converted, last ${cal.days} days`
    : "Live calibration (reliability diagram)";
  return (
    <div class="box panel" data-panel="reliability" data-points={bins.length} data-ece={cal?.ece ?? ""}>
      <h3>{title}</h3>
      <div style="position:relative;height:220px">
        <canvas ref={canvas} />
        {bins.length === 0 && <div class="nodata" style="position:absolute;inset:0">no scored sessions with an outcome yet</div>}
      </div>
    </div>
  );
}

function Drift({ report, threshold }: { report: Report | null; threshold: number | undefined }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart | null>(null);
  const psi = report?.drift.psi ?? {};
  const names = Object.keys(psi).sort((a, b) => psi[b] - psi[a]);
  useEffect(() => {
    if (!canvas.current) return;
    chart.current = new Chart(canvas.current, {
      type: "bar",
      data: { labels: [], datasets: [{ data: [], backgroundColor: [] }] },
      options: { animation: false, responsive: true, maintainAspectRatio: false, indexAxis: "y", plugins: { legend: { display: false } } },
    });
    return () => chart.current?.destroy();
  }, []);
  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    c.data.labels = names;
    c.data.datasets[0].data = names.map((n) => psi[n]);
    c.data.datasets[0].backgroundColor = names.map((n) => (threshold !== undefined && psi[n] > threshold ? "#dc2626" : "#0891b2"));
    c.update();
  }, [names.map((n) => `${n}=${psi[n]}`).join(",")]);
  const drift = report?.drift;
  const title = drift
    ? `Input drift (PSI vs training, alert above ${threshold ?? "?"}) · ${drift.rows} sessions, last ${drift.hours} h${drift.reason ? ` · ${drift.reason}` : ""}`
    : "Input drift (PSI per input)";
  return (
    <div class="box panel" data-panel="drift" data-points={names.length}>
      <h3>{title}</h3>
      <div style="position:relative;height:220px">
        <canvas ref={canvas} />
        {names.length === 0 && <div class="nodata" style="position:absolute;inset:0">no drift figures yet</div>}
      </div>
    </div>
  );
}
