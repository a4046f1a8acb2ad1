// The audit page's rows in words: a fact's type as a label, its fields or what changed as
// "field: before → after", values as text (no JSON where a person reads a value), ids left out.

export interface LoggedEvent {
  seq: number;
  type: string;
  payload: Record<string, unknown>;
  actor: { id: string | null; type: string | null };
  occurredAt: string;
}

/** What each audited fact is, in words (the fact's type stays in the row's data-type). */
export const LABELS: Record<string, string> = {
  "company.secret_changed": "Secret changed",
  "site.created": "Site key created",
  "site.revoked": "Site key revoked",
  "site.origins_changed": "Site hosts changed",
  "staff.created": "Team member added",
  "staff.updated": "Team member changed",
};

/** A value as a person reads it: text as text, lists joined, a per-language text as
 * "en: …; es: …", nothing as a dash. */
export function plain(value: unknown): string {
  if (value === undefined || value === null || value === "") return "—";
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (Array.isArray(value)) return value.length ? value.map(plain).join(", ") : "—";
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    return entries.length ? entries.map(([k, v]) => `${k}: ${plain(v)}`).join("; ") : "—";
  }
  return String(value);
}

const record = (value: unknown) => (value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null);
const words = (key: string) => key.replace(/_/g, " ");

/** Each line of a fact: the fields that changed (before → after), else its fields; ids are
 * left out (the row names who or what they are). */
export function lines(e: LoggedEvent): { key: string; text: string }[] {
  const p = e.payload;
  const before = record(p.before);
  const after = record(p.after);
  if (before || after) {
    const changed = Array.isArray(p.changed)
      ? (p.changed as string[])
      : [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])].filter(
          (k) => JSON.stringify(before?.[k]) !== JSON.stringify(after?.[k]),
        );
    return changed.map((k) => ({ key: words(k), text: `${plain(before?.[k])} → ${plain(after?.[k])}` }));
  }
  return Object.entries(p)
    .filter(([k]) => k !== "id" && !k.endsWith("_id"))
    .map(([k, v]) => ({ key: words(k), text: plain(v) }));
}

