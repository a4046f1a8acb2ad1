// How a visitor is named wherever they appear (console lists, chat header, notifications,
// dashboard): their name, else their e-mail, else a stable handle from their id.
// The same rule as guiders.domain.visitor_identity (the tests pin the same examples).

export function visitorHandle(visitorId: string): string {
  const n = parseInt(visitorId.replace(/-/g, "").slice(0, 8), 16);
  return `Visitor ${Number.isFinite(n) ? (n % 9000) + 1000 : 1000}`;
}

export function visitorLabel(visitorId: string, info?: { name?: string | null; email?: string | null } | null): string {
  for (const known of [info?.name, info?.email]) if (known && known.trim()) return known.trim();
  return visitorHandle(visitorId);
}
