// The console's Knowledge settings (supervisors and admins): add a website, upload files or
// FAQ pairs; see each source's status, counts, last crawl and errors; re-crawl or remove one;
// and the content-gap list (what the documents could not answer). Everything is text nodes.

import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../shared/http";
import type { StaffSession } from "../shared/staff";

interface Source {
  id: string;
  kind: string;
  name: string;
  url: string | null;
  status: string;
  error: string | null;
  pageCount: number;
  chunkCount: number;
  failedCount: number;
  progress: { pagesDone?: number; pagesQueued?: number };
  lastCrawlAt: string | null;
}

interface Page {
  key: string;
  status: string;
  error: string | null;
  chunkCount: number;
}

interface Gap {
  question: string;
  count: number;
  examples: string[];
  lastAskedAt: string;
}

function when(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : "never";
}

export function Knowledge({ session }: { session: StaffSession }) {
  const [sources, setSources] = useState<Source[]>([]);
  const [gaps, setGaps] = useState<Gap[]>([]);
  const [pages, setPages] = useState<{ id: string; list: Page[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // until the first answer, "no documents yet" would be untrue (a slow server, many sources)
  const [loaded, setLoaded] = useState(false);

  const fail = (err: unknown) => setError(err instanceof Error ? err.message : String(err));

  const refresh = async () => {
    try {
      const [s, g] = await Promise.all([
        session.call<{ sources: Source[] }>("GET", "/v2/knowledge/sources"),
        session.call<{ gaps: Gap[] }>("GET", "/v2/knowledge/gaps?limit=20"),
      ]);
      setSources(s.sources);
      setGaps(g.gaps);
      setLoaded(true);
    } catch (err) {
      fail(err);
    }
  };

  useEffect(() => {
    void refresh();
    const timer = window.setInterval(() => void refresh(), 3000);
    return () => window.clearInterval(timer);
  }, []);

  const act = async (work: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
      await refresh();
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  };

  const addUrl = (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    void act(async () => {
      await session.call("POST", "/v2/knowledge/sources", {
        url: String(data.get("url") || ""),
        maxPages: Number(data.get("maxPages") || 50),
        maxDepth: Number(data.get("maxDepth") || 3),
      });
      form.reset();
    });
  };

  const upload = (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const body = new FormData(form);
    void act(async () => {
      const response = await fetch(`${session.base}/api/v2/knowledge/sources/upload`, {
        method: "POST",
        headers: { authorization: `Bearer ${await session.token()}` },
        body,
      });
      if (!response.ok) {
        const data = (await response.json().catch(() => ({}))) as { error?: string; message?: string };
        throw new ApiError(response.status, data.error ?? "error", data.message ?? response.statusText);
      }
      form.reset();
    });
  };

  const addFaq = (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    void act(async () => {
      await session.call("POST", "/v2/knowledge/sources", {
        name: "FAQ",
        faq: [{ question: String(data.get("question") || ""), answer: String(data.get("answer") || "") }],
      });
      form.reset();
    });
  };

  const showPages = (id: string) =>
    void act(async () => {
      const reply = await session.call<{ pages: Page[] }>("GET", `/v2/knowledge/sources/${id}/pages`);
      setPages({ id, list: reply.pages });
    });

  return (
    <div class="cols knowledge">
      <div class="box">
        <h2>Add a website</h2>
        <form onSubmit={addUrl} class="kform">
          <input name="url" type="url" placeholder="https://help.example.com/" required aria-label="Website URL" />
          <label>
            Max pages <input name="maxPages" type="number" min="1" max="5000" defaultValue="50" />
          </label>
          <label>
            Max depth <input name="maxDepth" type="number" min="0" max="20" defaultValue="3" />
          </label>
          <button class="primary" type="submit" disabled={busy}>
            Crawl
          </button>
        </form>
        <h2>Upload files</h2>
        <form onSubmit={upload} class="kform">
          <input name="files" type="file" multiple required accept=".html,.htm,.md,.txt,.pdf,.docx" aria-label="Files" />
          <input name="url" type="url" placeholder="Public link to these documents (optional)" aria-label="Public link" />
          <button class="primary" type="submit" disabled={busy}>
            Upload
          </button>
        </form>
        <h2>Add a question and answer</h2>
        <form onSubmit={addFaq} class="kform">
          <input name="question" placeholder="Question" required aria-label="Question" />
          <textarea name="answer" placeholder="Answer" required aria-label="Answer" />
          <button class="primary" type="submit" disabled={busy}>
            Add
          </button>
        </form>
        {error && (
          <div class="err" role="alert" onClick={() => setError(null)}>
            {error}
          </div>
        )}
      </div>
      <div class="box">
        <h2>Sources{loaded ? ` (${sources.length})` : ""}</h2>
        {!loaded && <div class="empty loading">Loading…</div>}
        {loaded && sources.length === 0 && <div class="empty">No documents yet: add a website or upload files.</div>}
        {sources.map((s) => (
          <div class="item source-row" key={s.id} data-source={s.id} data-status={s.status}>
            <div class="row">
              <b>{s.name}</b>
              <span class={`status ${s.status}`}>{s.status}</span>
            </div>
            <div class="preview">
              {s.kind} · {s.pageCount} pages · {s.chunkCount} chunks · {s.failedCount} failed · last crawl {when(s.lastCrawlAt)}
            </div>
            {s.status === "crawling" && (
              <div class="preview">
                {s.progress.pagesDone ?? 0} done, {s.progress.pagesQueued ?? 0} queued
              </div>
            )}
            {s.error && <div class="err">{s.error}</div>}
            <div class="closebar">
              <button type="button" onClick={() => showPages(s.id)}>
                Pages
              </button>
              <button type="button" disabled={busy} onClick={() => act(() => session.call("POST", `/v2/knowledge/sources/${s.id}/recrawl`))}>
                Re-crawl now
              </button>
              <button type="button" disabled={busy} onClick={() => act(() => session.call("DELETE", `/v2/knowledge/sources/${s.id}`))}>
                Remove
              </button>
            </div>
            {pages?.id === s.id && (
              <ul class="pages">
                {pages.list.map((p) => (
                  <li key={p.key}>
                    {p.status} · {p.chunkCount} chunks · {p.key}
                    {p.error && <div class="err">{p.error}</div>}
                  </li>
                ))}
              </ul>
            )}
          </div>
        ))}
      </div>
      <div class="box">
        <h2>Content gaps</h2>
        {loaded && gaps.length === 0 && <div class="empty">Every question so far was answered.</div>}
        <ol class="gaps">
          {gaps.map((g, i) => (
            <li key={i} title={g.examples.join("\n")}>
              <b>{g.count}×</b> {g.question}
            </li>
          ))}
        </ol>
      </div>
    </div>
  );
}
