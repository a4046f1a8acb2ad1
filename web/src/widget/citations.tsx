// The sources under a bot answer that came from the company's documents (docs/knowledge.md).
// Titles are text nodes; a link is shown only for an http(s) URL and opens in a new tab
// without giving the page a handle on the widget's window.

export interface CitationLink {
  title: string;
  url: string | null;
}

export function citationLinks(metadata: Record<string, unknown> | undefined): CitationLink[] {
  const raw = metadata?.citations;
  if (!Array.isArray(raw)) return [];
  const out: CitationLink[] = [];
  for (const item of raw.slice(0, 5)) {
    if (!item || typeof item !== "object") continue;
    const { title, url } = item as { title?: unknown; url?: unknown };
    const safe = typeof url === "string" && /^https?:\/\//i.test(url) ? url : null;
    const label = typeof title === "string" && title.trim() ? title.trim().slice(0, 120) : safe;
    if (label) out.push({ title: label, url: safe });
  }
  return out;
}

export function Citations({ metadata, label }: { metadata: Record<string, unknown> | undefined; label: string }) {
  const links = citationLinks(metadata);
  if (!links.length) return null;
  return (
    <span class="sources">
      <span class="sources-label">{label}</span>
      {links.map((c, i) =>
        c.url ? (
          <a key={i} class="source" href={c.url} target="_blank" rel="noopener noreferrer">
            {c.title}
          </a>
        ) : (
          <span key={i} class="source">
            {c.title}
          </span>
        ),
      )}
    </span>
  );
}
