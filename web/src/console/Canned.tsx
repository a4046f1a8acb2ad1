// Canned responses: typed as /shortcut in the reply box (suggestions as you type, Tab or a
// click completes), expanded by the server when the message is sent (its variables filled
// from the chat: {visitor.name}, {agent.name}...), and a page to manage them: each agent's
// own, and the company's for an admin.

import { useEffect, useState } from "preact/hooks";
import type { components } from "../shared/api";
import { Markdown } from "../shared/markdown";
import type { StaffSession } from "../shared/staff";

export type Canned = components["schemas"]["CannedResponseItem"];

const TOKEN_AT_END = /(^|\s)\/([a-z0-9_-]{0,32})$/i;
const ANY_TOKEN = /(^|\s)\/[a-z0-9]/i;

export function useCanned(session: StaffSession, version = 0): [Canned[], () => void] {
  const [list, setList] = useState<Canned[]>([]);
  const load = () =>
    void session
      .call<{ responses: Canned[] }>("GET", "/v2/canned-responses")
      .then((r) => setList(r.responses))
      .catch(() => undefined);
  useEffect(load, [version]);
  return [list, load];
}

/** The responses whose shortcut starts with what is typed after the last "/" (an agent's own first). */
export function suggestions(text: string, list: Canned[]): Canned[] {
  const m = TOKEN_AT_END.exec(text);
  if (!m) return [];
  const prefix = m[2].toLowerCase();
  const seen = new Set<string>();
  return [...list]
    .sort((a, b) => (a.scope === b.scope ? a.shortcut.localeCompare(b.shortcut) : a.scope === "personal" ? -1 : 1))
    .filter((c) => c.shortcut.startsWith(prefix) && !seen.has(c.shortcut) && seen.add(c.shortcut))
    .slice(0, 8);
}

/** ``text`` with its trailing "/prefix" completed to "/shortcut ". */
export function complete(text: string, shortcut: string): string {
  return text.replace(TOKEN_AT_END, (_all, lead: string) => `${lead}/${shortcut} `);
}

/** The text to send: every known /shortcut expanded by the server (unchanged when none). */
export async function expandCanned(session: StaffSession, chatId: string, text: string): Promise<string> {
  if (!ANY_TOKEN.test(text)) return text;
  const reply = await session.call<{ text: string }>("POST", `/v2/chats/${chatId}/canned-expansion`, { text });
  return reply.text;
}

export function CannedSuggestions({ text, list, onPick }: { text: string; list: Canned[]; onPick: (text: string) => void }) {
  const found = suggestions(text, list);
  if (found.length === 0) return null;
  return (
    <div class="canned-suggestions" role="listbox" aria-label="Canned responses">
      {found.map((c) => (
        <button type="button" role="option" class="canned-option" key={c.id} onClick={() => onPick(complete(text, c.shortcut))}>
          <b>/{c.shortcut}</b> <span>{c.title !== c.shortcut ? c.title : ""}</span>
          <small>{c.content.slice(0, 80)}</small>
        </button>
      ))}
    </div>
  );
}

/** Live preview of what will be sent, when the reply holds a /shortcut. */
export function CannedPreview({ session, chatId, text }: { session: StaffSession; chatId: string; text: string }) {
  const [preview, setPreview] = useState<string | null>(null);
  useEffect(() => {
    if (!ANY_TOKEN.test(text)) {
      setPreview(null);
      return;
    }
    const timer = window.setTimeout(() => {
      expandCanned(session, chatId, text).then(
        (t) => setPreview(t === text ? null : t),
        () => setPreview(null),
      );
    }, 250);
    return () => window.clearTimeout(timer);
  }, [text, chatId]);
  if (!preview) return null;
  return (
    <div class="canned-preview" aria-label="Will send">
      <small>Will send:</small>
      <Markdown text={preview} />
    </div>
  );
}

const EMPTY = { shortcut: "", title: "", content: "", scope: "personal" };

export function CannedManager({ session, isAdmin, onChanged }: { session: StaffSession; isAdmin: boolean; onChanged: () => void }) {
  const [list, reload] = useCanned(session);
  const [form, setForm] = useState<typeof EMPTY & { id?: string }>(EMPTY);
  const [error, setError] = useState<string | null>(null);
  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const body = { shortcut: form.shortcut, title: form.title, content: form.content };
      if (form.id) await session.call("PUT", `/v2/canned-responses/${form.id}`, body);
      else await session.call("POST", "/v2/canned-responses", { ...body, scope: form.scope });
      setForm(EMPTY);
      reload();
      onChanged();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  const remove = async (c: Canned) => {
    try {
      await session.call("DELETE", `/v2/canned-responses/${c.id}`);
      reload();
      onChanged();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  const field = (name: "shortcut" | "title" | "content") => (e: Event) =>
    setForm({ ...form, [name]: (e.target as HTMLInputElement).value });
  const mayEdit = (c: Canned) => c.scope === "personal" || isAdmin;
  return (
    <div class="box canned-manager">
      <h2>Canned responses</h2>
      <p class="empty">
        Type <b>/shortcut</b> in a reply. Variables: {"{visitor.name}"}, {"{visitor.email}"}, {"{agent.name}"}, {"{agent.email}"},{" "}
        {"{company.name}"}. **bold**, *italics*, lists and links are formatted.
      </p>
      <table class="canned-list">
        <tbody>
          {list.map((c) => (
            <tr key={c.id} data-shortcut={c.shortcut}>
              <td>
                <b>/{c.shortcut}</b>
              </td>
              <td>{c.title}</td>
              <td class="content">{c.content}</td>
              <td>{c.scope === "company" ? "company" : "mine"}</td>
              <td>
                {mayEdit(c) && (
                  <>
                    <button type="button" onClick={() => setForm({ id: c.id, shortcut: c.shortcut, title: c.title, content: c.content, scope: c.scope })}>
                      Edit
                    </button>
                    <button type="button" class="delete" onClick={() => void remove(c)}>
                      Delete
                    </button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="canned-form" onSubmit={save}>
        <h3>{form.id ? `Edit /${form.shortcut}` : "New canned response"}</h3>
        <input aria-label="Shortcut" placeholder="shortcut (e.g. hello)" value={form.shortcut} maxLength={32} onInput={field("shortcut")} />
        <input aria-label="Title" placeholder="Title" value={form.title} maxLength={100} onInput={field("title")} />
        <textarea aria-label="Content" placeholder="Hello {visitor.name}, I am {agent.name}." value={form.content} maxLength={2000} onInput={field("content")} />
        {!form.id && isAdmin && (
          <select aria-label="Scope" value={form.scope} onChange={(e) => setForm({ ...form, scope: (e.target as HTMLSelectElement).value })}>
            <option value="personal">Mine</option>
            <option value="company">The company's</option>
          </select>
        )}
        {error && <div class="err">{error}</div>}
        <button class="primary" type="submit">
          Save
        </button>
        {form.id && (
          <button type="button" onClick={() => setForm(EMPTY)}>
            Cancel
          </button>
        )}
      </form>
    </div>
  );
}
