// The supervisor dashboard: live charts from GET /api/v2/dashboard/snapshot, refreshed on a timer
// and whenever the company's chats change (Socket.IO tenant room).

import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";
import { useEffect, useRef, useState } from "preact/hooks";
import { io } from "socket.io-client";
import { LoginForm, StaffSession } from "../shared/staff";
import { statusLabel } from "../shared/chatStatus";
import { axisLabel, span } from "./axis";
import { CsvButton, FiguresPanels, OwnView } from "./Figures";
import { ModelHealthPanels } from "./ModelHealth";
import { ShadowPanel } from "./Shadow";
import { RetentionPanel } from "./Retention";

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, BarController, BarElement, Filler, Tooltip);

const session = new StaffSession();

interface Point {
  at: string;
  throughput: number;
  errorRate: number | null;
  p95Ms: number | null;
  messagesPerMinute: number;
}

interface Alert {
  rule: string;
  severity: "warning" | "critical";
  value: number;
  threshold: number;
  summary: string;
  since: string;
}

interface Ai {
  replies: number;
  outcomes: Record<string, number>;
  automationRate: number | null;
  escalationRate: number | null;
  confidence: { le: number; count: number }[];
  breakers: Record<string, string>;
}

interface Conversions {
  visitors: number;
  conversions: number;
  rate: number | null;
  byChannel: Record<string, number>;
  revenue: Record<string, number>;
  segments: Record<string, number>;
}

interface KnowledgeFigures {
  questions: number;
  answerRate: number;
  clarifyRate: number;
  handoffRate: number;
  handoffByReason: Record<string, number>;
  meanGrounding: number | null;
}

interface Snapshot {
  intervalSeconds: number | null;
  series: Point[];
  chatsByStatus: Record<string, number>;
  queueLength: number;
  ai: Ai | null;
  knowledge?: KnowledgeFigures | null;
  conversions: Conversions | null;
  csat: { count: number; average: number; distribution: Record<string, number> } | null;
  alerts: Alert[];
}

const pct = (v: number | null | undefined) => (v === null || v === undefined ? "–" : `${(v * 100).toFixed(1)} %`);
const CHANNELS = ["bot_only", "agent", "no_chat"];
const CHANNEL_LABELS = ["bot only", "agent", "no chat"];

export function Dashboard() {
  const [user, setUser] = useState(session.user);
  if (!user) return <LoginForm session={session} title="Supervisor dashboard" onDone={() => setUser(session.user)} />;
  if (user.role === "commercial") return <OwnView session={session} onLogout={() => (session.logout(), setUser(null))} />;
  return <Board onLogout={() => (session.logout(), setUser(null))} />;
}

// "live" is the server's last hour in memory; the others read the stored points (GET /history).
const RANGES: Record<string, number> = { live: 0, "24 h": 86400, "7 days": 7 * 86400 };

function Board({ onLogout }: { onLogout: () => void }) {
  const [snap, setSnap] = useState<Snapshot | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState(false);
  const [range, setRange] = useState("live");
  const [past, setPast] = useState<Point[] | null>(null);
  const [modelRefresh, setModelRefresh] = useState(0);

  useEffect(() => {
    const seconds = RANGES[range];
    if (!seconds) {
      setPast(null);
      return;
    }
    let stopped = false;
    const from = new Date(Date.now() - seconds * 1000).toISOString();
    session
      .call<{ series: Point[] }>("GET", `/v2/dashboard/history?from=${encodeURIComponent(from)}&maxPoints=300`)
      .then((h) => !stopped && setPast(h.series))
      .catch((err) => !stopped && setError(err instanceof Error ? err.message : String(err)));
    return () => {
      stopped = true;
    };
  }, [range]);

  useEffect(() => {
    let stopped = false;
    const load = async () => {
      try {
        const s = await session.call<Snapshot>("GET", "/v2/dashboard/snapshot");
        if (!stopped) {
          setSnap(s);
          setError(null);
        }
      } catch (err) {
        if (!stopped) setError(err instanceof Error ? err.message : String(err));
      }
    };
    void load();
    const timer = window.setInterval(load, 5000);
    const socket = io(location.origin, {
      transports: ["websocket"],
      auth: (cb) => {
        session.token().then((token) => cb({ token }), () => cb({}));
      },
    });
    socket.on("connect", () => setLive(true));
    socket.on("disconnect", () => setLive(false));
    for (const name of ["chat:created", "chat:assigned", "chat:closed", "message:new", "alert:raised", "alert:resolved"]) socket.on(name, load);
    for (const name of ["alert:raised", "alert:resolved"]) socket.on(name, () => setModelRefresh((n) => n + 1));
    return () => {
      stopped = true;
      window.clearInterval(timer);
      socket.disconnect();
    };
  }, []);

  const series = past ?? snap?.series ?? [];
  const seconds = past ? RANGES[range] : span(series.map((p) => p.at));
  const labels = series.map((p) => axisLabel(p.at, seconds));
  const times = series.map((p) => p.at);
  const statuses = Object.keys(snap?.chatsByStatus ?? {});
  return (
    <div>
      <div class="top">
        <b>Guiders · Dashboard</b>
        <div class="me">
          <span class={live ? "live" : "live off"}>{live ? "live" : "reconnecting…"}</span>
          <span>{session.user?.name}</span>
          <button onClick={onLogout}>Sign out</button>
        </div>
      </div>
      {error && <div class="err" style="padding:8px 12px">{error}</div>}
      <Alerts alerts={snap?.alerts ?? []} />
      <div class="ranges" style="padding:10px 14px 0">
        Rates over:{" "}
        {Object.keys(RANGES).map((r) => (
          <button key={r} data-range={r} disabled={r === range} onClick={() => setRange(r)} style="margin-right:6px">
            {r}
          </button>
        ))}
      </div>
      <div class="grid" data-source={past ? "history" : "live"}>
        <LinePanel id="p95" title="p95 response time (ms)" labels={labels} times={times} values={series.map((p) => p.p95Ms)} color="#2563eb" />
        <LinePanel id="throughput" title="Throughput (requests/s)" labels={labels} times={times} values={series.map((p) => p.throughput)} color="#059669" />
        <LinePanel
          id="errors"
          title="Error rate (% of requests, 5xx)"
          labels={labels}
          times={times}
          values={series.map((p) => (p.errorRate === null ? null : p.errorRate * 100))}
          color="#dc2626"
        />
        <LinePanel id="messages" title="Messages per minute" labels={labels} times={times} values={series.map((p) => p.messagesPerMinute)} color="#7c3aed" />
        <BarPanel id="chats" title={`Chats by status · queue ${snap?.queueLength ?? 0}`} labels={statuses.map(statusLabel)} values={statuses.map((s) => snap!.chatsByStatus[s])} />
        {snap?.ai ? (
          <BarPanel
            id="ai-confidence"
            title={`AI confidence · automation ${pct(snap.ai.automationRate)} · escalation ${pct(snap.ai.escalationRate)}`}
            labels={snap.ai.confidence.map((b) => `≤${b.le}`)}
            values={snap.ai.confidence.map((b) => b.count)}
          />
        ) : (
          <Empty title="AI confidence, escalation and automation rate" value={null} />
        )}
        <Breakers breakers={snap?.ai?.breakers ?? {}} />
        {snap?.knowledge ? (
          <BarPanel
            id="knowledge"
            title={`Answers from documents · ${snap.knowledge.questions} questions · answered ${pct(snap.knowledge.answerRate)} · clarified ${pct(snap.knowledge.clarifyRate)} · handed off ${pct(snap.knowledge.handoffRate)} · mean grounding ${snap.knowledge.meanGrounding === null ? "– (no LLM)" : snap.knowledge.meanGrounding.toFixed(2)} · bars: hand-offs by reason, % of questions`}
            labels={Object.keys(snap.knowledge.handoffByReason).map((r) => r.replace(/_/g, " "))}
            values={Object.values(snap.knowledge.handoffByReason).map((v) => v * 100)}
          />
        ) : (
          <Empty title="Answers from documents: answer rate, hand-offs by reason, grounding" value={null} />
        )}
        {snap?.conversions ? (
          <BarPanel
            id="revenue"
            title={`Revenue impact · conversion rate ${pct(snap.conversions.rate)} (${snap.conversions.conversions} of ${snap.conversions.visitors} visitors)`}
            labels={CHANNEL_LABELS}
            values={CHANNELS.map((c) => snap.conversions!.revenue[c] ?? 0)}
          />
        ) : (
          <Empty title="Conversion rate and revenue impact" value={null} />
        )}
        {snap?.conversions && Object.keys(snap.conversions.segments).length > 0 ? (
          <BarPanel
            id="segments"
            title="Segment mix (visitors entering each segment)"
            labels={Object.keys(snap.conversions.segments)}
            values={Object.values(snap.conversions.segments)}
          />
        ) : (
          <Empty title="Segment mix" value={null} />
        )}
        {snap?.csat ? (
          <BarPanel
            id="csat"
            title={`CSAT · ${snap.csat.average.toFixed(1)} / 5 from ${snap.csat.count} ratings`}
            labels={["1★", "2★", "3★", "4★", "5★"]}
            values={["1", "2", "3", "4", "5"].map((k) => snap.csat!.distribution[k] ?? 0)}
          />
        ) : (
          <Empty title="CSAT" value={null} />
        )}
      </div>
      <FiguresPanels session={session} />
      <ModelHealthPanels session={session} refresh={modelRefresh} />
      <ShadowPanel session={session} />
      <RetentionPanel session={session} />
      <p class="empty" style="padding:0 14px">
        Rates are this server's, sampled every {snap?.intervalSeconds ?? "?"} s; chats are your company's, now.
      </p>
    </div>
  );
}

function useChart(kind: "line" | "bar", labels: string[], values: (number | null)[], color: string) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart | null>(null);
  useEffect(() => {
    if (!canvas.current) return;
    chart.current = new Chart(canvas.current, {
      type: kind,
      data: { labels: [], datasets: [{ data: [], borderColor: color, backgroundColor: color + "33", fill: kind === "line", tension: 0.25, pointRadius: 2 }] },
      options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true } }, plugins: { legend: { display: false } } },
    });
    return () => chart.current?.destroy();
  }, []);
  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    c.data.labels = labels;
    c.data.datasets[0].data = values;
    c.update();
  }, [labels.join(","), values.join(",")]);
  return canvas;
}

function LinePanel({ id, title, labels, times, values, color }: { id: string; title: string; labels: string[]; times?: string[]; values: (number | null)[]; color: string }) {
  const canvas = useChart("line", labels, values, color);
  const points = values.filter((v) => v !== null).length;
  return (
    <div class="box panel" data-panel={id} data-points={points} data-first-label={labels[0] ?? ""} data-last-label={labels[labels.length - 1] ?? ""}>
      <CsvButton name={id} header={["time (UTC)", title]} rows={(times ?? labels).map((l, i) => [l, values[i]])} />
      <h3>{title}</h3>
      <div style="position:relative;height:200px">
        <canvas ref={canvas} />
        {points === 0 && <div class="nodata" style="position:absolute;inset:0">collecting…</div>}
      </div>
    </div>
  );
}

function BarPanel({ id, title, labels, values }: { id: string; title: string; labels: string[]; values: number[] }) {
  const canvas = useChart("bar", labels, values, "#0891b2");
  return (
    <div class="box panel" data-panel={id} data-points={values.length}>
      <CsvButton name={id} header={["label", title]} rows={labels.map((l, i) => [l, values[i]])} />
      <h3>{title}</h3>
      <div style="position:relative;height:200px">
        <canvas ref={canvas} />
      </div>
    </div>
  );
}

function Alerts({ alerts }: { alerts: Alert[] }) {
  return (
    <div class="box panel" data-panel="alerts" data-alerts={alerts.length} style="margin:12px 14px 0">
      <h3>Active alerts</h3>
      {alerts.length === 0 ? (
        <div class="empty">none: every rule is within its threshold</div>
      ) : (
        <ul style="margin:0;padding-left:18px">
          {alerts.map((a) => (
            <li key={a.rule} data-rule={a.rule} class={a.severity === "critical" ? "err" : ""}>
              <b>{a.severity.toUpperCase()}</b> {a.rule}: {a.summary} (value {a.value.toPrecision(3)}, threshold {a.threshold}) since{" "}
              {new Date(a.since).toLocaleTimeString()}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Breakers({ breakers }: { breakers: Record<string, string> }) {
  const names = Object.keys(breakers);
  return (
    <div class="box panel" data-panel="breakers">
      <h3>LLM circuit breaker</h3>
      {names.length === 0 ? (
        <div class="nodata">no LLM configured</div>
      ) : (
        <ul style="margin:0;padding-left:18px">
          {names.map((n) => (
            <li key={n} class={breakers[n] === "open" ? "err" : ""}>
              {n}: <b>{breakers[n]}</b>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Empty({ title, value }: { title: string; value: unknown }) {
  return (
    <div class="box panel" data-panel="pending-feature">
      <h3>{title}</h3>
      <div class="nodata">{value ? "" : "no data yet"}</div>
    </div>
  );
}
