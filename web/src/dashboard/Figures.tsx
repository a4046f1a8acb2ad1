// Chat figures for the people who read the dashboard: waiting and first-response times (p50,
// p95) and one row per agent, from GET /api/v2/dashboard/figures. A supervisor sees the team;
// an agent (role commercial) gets their own view, never empty panels refused on every refresh.

import { useEffect, useState } from "preact/hooks";
import type { StaffSession } from "../shared/staff";
import { download, toCsv } from "./axis";

interface Spread {
  count: number;
  p50: number | null;
  p95: number | null;
}

interface AgentRow {
  commercialId: string;
  name: string;
  chats: number;
  firstResponseP50Seconds: number | null;
  firstResponseP95Seconds: number | null;
  csatAverage: number | null;
  csatCount: number;
}

interface Figures {
  scope: "company" | "own";
  days: number;
  chats: number;
  unanswered: number;
  truncated: boolean;
  waitingSeconds: Spread;
  firstResponseSeconds: Spread;
  agents: AgentRow[];
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "–";
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

export function CsvButton({ name, header, rows }: { name: string; header: string[]; rows: (string | number | null)[][] }) {
  return (
    <button type="button" class="csv" data-csv={name} title="Download this panel as CSV" onClick={() => download(`${name}.csv`, toCsv(header, rows))} style="float:right;font-size:11px">
      CSV
    </button>
  );
}

const DAYS = [1, 7, 30];

export function FiguresPanels({ session }: { session: StaffSession }) {
  const [days, setDays] = useState(7);
  const [data, setData] = useState<Figures | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stopped = false;
    const load = () =>
      session
        .call<Figures>("GET", `/v2/dashboard/figures?days=${days}`)
        .then((f) => !stopped && (setData(f), setError(null)))
        .catch((err) => !stopped && setError(err instanceof Error ? err.message : String(err)));
    void load();
    const timer = window.setInterval(load, 30000);
    return () => {
      stopped = true;
      window.clearInterval(timer);
    };
  }, [days]);
  const timesRows: (string | number | null)[][] = data
    ? [
        ["waiting for a person", data.waitingSeconds.p50, data.waitingSeconds.p95, data.waitingSeconds.count],
        ["first response", data.firstResponseSeconds.p50, data.firstResponseSeconds.p95, data.firstResponseSeconds.count],
      ]
    : [];
  const agentRows: (string | number | null)[][] = (data?.agents ?? []).map((a) => [
    a.name,
    a.chats,
    a.firstResponseP50Seconds,
    a.firstResponseP95Seconds,
    a.csatAverage,
    a.csatCount,
  ]);
  return (
    <div class="figures" data-scope={data?.scope ?? ""} style="padding:0 14px">
      <div class="ranges" style="padding:10px 0 0">
        Chats opened in the last:{" "}
        {DAYS.map((d) => (
          <button key={d} data-days={d} disabled={d === days} onClick={() => setDays(d)} style="margin-right:6px">
            {d === 1 ? "24 h" : `${d} days`}
          </button>
        ))}
      </div>
      {error && <div class="err">{error}</div>}
      <div class="grid" style="padding:10px 0">
        <div class="box panel" data-panel="response-times" data-chats={data?.chats ?? 0}>
          <CsvButton name="response-times" header={["measure", "p50 seconds", "p95 seconds", "chats"]} rows={timesRows} />
          <h3>
            Waiting and first response · {data?.chats ?? 0} chats{data && data.unanswered ? ` · ${data.unanswered} not answered yet` : ""}
          </h3>
          <table style="width:100%">
            <thead>
              <tr>
                <th style="text-align:left" />
                <th>p50</th>
                <th>p95</th>
              </tr>
            </thead>
            <tbody>
              <tr data-row="waiting">
                <td>Waiting for a person</td>
                <td>{duration(data?.waitingSeconds.p50)}</td>
                <td>{duration(data?.waitingSeconds.p95)}</td>
              </tr>
              <tr data-row="first-response">
                <td>First response</td>
                <td>{duration(data?.firstResponseSeconds.p50)}</td>
                <td>{duration(data?.firstResponseSeconds.p95)}</td>
              </tr>
            </tbody>
          </table>
        </div>
        <div class="box panel" data-panel="agents" data-rows={data?.agents.length ?? 0}>
          <CsvButton name="agents" header={["agent", "chats", "first response p50 s", "first response p95 s", "CSAT average", "ratings"]} rows={agentRows} />
          <h3>{data?.scope === "own" ? "Your figures" : "Per agent"}</h3>
          {(data?.agents.length ?? 0) === 0 ? (
            <div class="nodata">no data yet</div>
          ) : (
            <table style="width:100%">
              <thead>
                <tr>
                  <th style="text-align:left">Agent</th>
                  <th>Chats</th>
                  <th>First response p50</th>
                  <th>p95</th>
                  <th>CSAT</th>
                </tr>
              </thead>
              <tbody>
                {data!.agents.map((a) => (
                  <tr key={a.commercialId} data-agent={a.commercialId}>
                    <td>{a.name}</td>
                    <td>{a.chats}</td>
                    <td>{duration(a.firstResponseP50Seconds)}</td>
                    <td>{duration(a.firstResponseP95Seconds)}</td>
                    <td>{a.csatAverage === null ? "–" : `${a.csatAverage.toFixed(1)} / 5 (${a.csatCount})`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </div>
    </div>
  );
}

/** What an agent sees at /dashboard/: their own figures, and why the team's panels are not here. */
export function OwnView({ session, onLogout }: { session: StaffSession; onLogout: () => void }) {
  return (
    <div data-view="own">
      <div class="top">
        <b>Guiders · My figures</b>
        <div class="me">
          <span>{session.user?.name}</span>
          <button onClick={onLogout}>Sign out</button>
        </div>
      </div>
      <p class="empty" style="padding:10px 14px 0" data-notice="own">
        These are your own chats. The team's dashboard (server rates, alerts, AI and revenue) is for supervisors and admins.
      </p>
      <FiguresPanels session={session} />
    </div>
  );
}
