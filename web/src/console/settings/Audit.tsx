// The settings audit: every change an admin made (settings.changed, including the integrations
// and pipeline rules sections, and the team, site key and secret events), newest first, with
// who, when, what and the values before and after.

import { useEffect, useState } from "preact/hooks";
import type { StaffSession } from "../../shared/staff";
import { LABELS, lines, type LoggedEvent } from "./auditLines";

export const AUDITED = [
  "settings.changed",
  "company.secret_changed",
  "site.created",
  "site.revoked",
  "site.origins_changed",
  "staff.created",
  "staff.updated",
];

export function AuditPage({ session }: { session: StaffSession }) {
  const [events, setEvents] = useState<LoggedEvent[]>([]);
  const [names, setNames] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    (async () => {
      try {
        const [log, team] = await Promise.all([
          session.call<{ events: LoggedEvent[] }>("GET", `/v2/events?type=${AUDITED.join(",")}&limit=1000`),
          session.call<{ data: { id: string; name: string }[] }>("GET", "/v2/commercials"),
        ]);
        setEvents([...log.events].reverse());
        setNames(Object.fromEntries(team.data.map((c) => [c.id, c.name])));
      } catch (err) {
        setError(err instanceof Error ? err.message : String(err));
      }
    })();
  }, []);
  return (
    <div class="box audit">
      <h2>Audit</h2>
      {error && <div class="err">{error}</div>}
      {events.length === 0 && !error && <div class="empty">No changes yet.</div>}
      <table class="audit-log">
        <thead>
          <tr>
            <th>When</th>
            <th>Who</th>
            <th>What</th>
            <th>Before → after</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => {
            const p = e.payload;
            const changed = Array.isArray(p.changed) ? (p.changed as string[]) : [];
            const member = typeof p.user_id === "string" ? names[p.user_id] : undefined;
            const what =
              e.type === "settings.changed"
                ? `${String(p.section)}: ${changed.join(", ") || "no change"}`
                : `${LABELS[e.type] ?? e.type}${member ? `: ${member}` : ""}`;
            return (
              <tr key={e.seq} data-type={e.type} data-section={typeof p.section === "string" ? p.section : undefined}>
                <td>{new Date(e.occurredAt).toLocaleString()}</td>
                <td class="who">{(e.actor.id && names[e.actor.id]) || e.actor.id || e.actor.type || "system"}</td>
                <td class="what">{what}</td>
                <td class="diff">
                  {lines(e).map((line) => (
                    <div key={line.key}>
                      <b>{line.key}</b>: {line.text}
                    </div>
                  ))}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
