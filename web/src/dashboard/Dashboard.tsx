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

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, BarController, BarElement, Filler, Tooltip);

const session = new StaffSession();

interface Point {
  at: string;
  throughput: number;
  errorRate: number | null;
  p95Ms: number | null;
  messagesPerMinute: number;
}

interface Snapshot {
  intervalSeconds: number | null;
  series: Point[];
  chatsByStatus: Record<string, number>;
  queueLength: number;
  ai: unknown;
  conversions: unknown;
  csat: { count: number; average: number; distribution: Record<string, number> } | null;
}

export function Dashboard() {
  const [user, setUser] = useState(session.user);
  if (!user) return <LoginForm session={session} title="Supervisor dashboard" onDone={() => setUser(session.user)} />;
  return <Board onLogout={() => (session.logout(), setUser(null))} />;
}

function Board({ onLogout }: { onLogout: () => void }) {
  const [snap, setSnap] = useState<Snapshot | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState(false);

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
    for (const name of ["chat:created", "chat:assigned", "chat:closed", "message:new"]) socket.on(name, load);
    return () => {
      stopped = true;
      window.clearInterval(timer);
      socket.disconnect();
    };
  }, []);

  const series = snap?.series ?? [];
  const labels = series.map((p) => new Date(p.at).toLocaleTimeString([], { minute: "2-digit", second: "2-digit" }));
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
      <div class="grid">
        <LinePanel id="p95" title="p95 response time (ms)" labels={labels} values={series.map((p) => p.p95Ms)} color="#2563eb" />
        <LinePanel id="throughput" title="Throughput (requests/s)" labels={labels} values={series.map((p) => p.throughput)} color="#059669" />
        <LinePanel
          id="errors"
          title="Error rate (% of requests, 5xx)"
          labels={labels}
          values={series.map((p) => (p.errorRate === null ? null : p.errorRate * 100))}
          color="#dc2626"
        />
        <LinePanel id="messages" title="Messages per minute" labels={labels} values={series.map((p) => p.messagesPerMinute)} color="#7c3aed" />
        <BarPanel id="chats" title={`Chats by status · queue ${snap?.queueLength ?? 0}`} labels={statuses} values={statuses.map((s) => snap!.chatsByStatus[s])} />
        <Empty title="AI confidence, escalation and automation rate" value={snap?.ai} />
        <Empty title="Conversion rate, revenue impact and segment mix" value={snap?.conversions} />
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

function LinePanel({ id, title, labels, values, color }: { id: string; title: string; labels: string[]; values: (number | null)[]; color: string }) {
  const canvas = useChart("line", labels, values, color);
  const points = values.filter((v) => v !== null).length;
  return (
    <div class="box panel" data-panel={id} data-points={points}>
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
      <h3>{title}</h3>
      <div style="position:relative;height:200px">
        <canvas ref={canvas} />
      </div>
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
