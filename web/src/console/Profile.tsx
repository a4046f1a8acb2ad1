// The visitor beside the chat: profile, device, conversion score and segment, pages seen.

import { useEffect, useState } from "preact/hooks";
import { clock } from "../shared/clock";
import type { StaffSession } from "../shared/staff";
import { VisitorPrivacy } from "./Privacy";

interface Visitor {
  name: string | null;
  email: string | null;
  lifecycle: string;
  location: string | null;
  currentUrl: string | null;
  source: string | null;
  device: { type: string; os: string | null; browser: string | null };
  createdAt: string;
  lastSeenAt: string | null;
}

interface Prediction {
  conversionProbability: number;
  segment: string;
}

interface TrackedEvent {
  type: string;
  url?: string | null;
  occurredAt?: string;
}

export function Profile({
  session,
  visitorId,
  livePage,
  label,
}: {
  session: StaffSession;
  visitorId: string;
  livePage: string | null;
  label?: string;
}) {
  const [visitor, setVisitor] = useState<Visitor | null>(null);
  const [prediction, setPrediction] = useState<Prediction | null | "none">(null);
  const [pages, setPages] = useState<TrackedEvent[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let alive = true;
    setVisitor(null);
    setPrediction(null);
    setPages([]);
    session
      .call<Visitor>("GET", `/v2/visitors/${visitorId}`)
      .then((v) => alive && setVisitor(v))
      .catch((err: Error) => alive && setError(err.message));
    session
      .call<Prediction>("GET", `/v2/visitors/${visitorId}/prediction`)
      .then((p) => alive && setPrediction(p))
      .catch(() => alive && setPrediction("none"));
    session
      .call<{ events: TrackedEvent[] }>("GET", `/v2/visitors/${visitorId}/events?limit=100`)
      .then((r) => alive && setPages(r.events.filter((e) => e.url).slice(0, 20)))
      .catch(() => undefined);
    return () => {
      alive = false;
    };
  }, [visitorId]);

  if (error) return <div class="err">{error}</div>;
  if (!visitor) return <div class="empty">Loading…</div>;
  return (
    <div class="profile">
      <h2 class="visitor-name">{label ?? visitor.name ?? "Visitor"}</h2>
      <dl class="kv">
        <dt>Name</dt>
        <dd>{visitor.name || "—"}</dd>
        <dt>E-mail</dt>
        <dd>{visitor.email || "—"}</dd>
        <dt>Lifecycle</dt>
        <dd>{visitor.lifecycle}</dd>
        <dt>Device</dt>
        <dd>{[visitor.device.type, visitor.device.browser, visitor.device.os].filter(Boolean).join(" · ")}</dd>
        <dt>Page</dt>
        <dd class="current-page">{livePage ? `${livePage} (now)` : visitor.currentUrl || "—"}</dd>
        <dt>Source</dt>
        <dd>{visitor.source || "—"}</dd>
        <dt>First seen</dt>
        <dd>{new Date(visitor.createdAt).toLocaleString()}</dd>
      </dl>
      <h2>Conversion</h2>
      {prediction === null ? (
        <div class="empty">Loading…</div>
      ) : prediction === "none" ? (
        <div class="empty">No score yet.</div>
      ) : (
        <dl class="kv">
          <dt>Score</dt>
          <dd class="score">{Math.round(prediction.conversionProbability * 100)}%</dd>
          <dt>Segment</dt>
          <dd class="segment">{prediction.segment}</dd>
        </dl>
      )}
      <h2>Pages seen</h2>
      {pages.length === 0 ? (
        <div class="empty">None recorded.</div>
      ) : (
        <ul class="pages">
          {pages.map((p, i) => (
            <li key={i}>
              {p.url} <small>{clock(p.occurredAt)}</small>
            </li>
          ))}
        </ul>
      )}
      <VisitorPrivacy session={session} visitorId={visitorId} />
    </div>
  );
}
