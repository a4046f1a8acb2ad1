// The visitor's side of a chat: who they are (Profile), their past conversations, and
// full-text search over the company's conversations (the server's FTS index, not LIKE).

import { useEffect, useState } from "preact/hooks";
import type { components } from "../shared/api";
import { clock } from "../shared/clock";
import type { StaffSession } from "../shared/staff";
import type { Chat } from "../shared/types";
import { visitorLabel } from "../shared/visitor";
import { statusLabel } from "../shared/chatStatus";
import { Profile } from "./Profile";

type Hit = components["schemas"]["SearchHitItem"];

export function VisitorPanel({
  session,
  chat,
  livePage,
  onOpen,
}: {
  session: StaffSession;
  chat: Chat;
  livePage: string | null;
  onOpen: (chat: Chat) => void;
}) {
  return (
    <div class="visitor-panel">
      <Profile session={session} visitorId={chat.visitorId} livePage={livePage} label={visitorLabel(chat.visitorId, chat.visitorInfo)} />
      <PastConversations session={session} chat={chat} onOpen={onOpen} />
      <Search session={session} visitorId={chat.visitorId} onOpen={onOpen} />
    </div>
  );
}

function PastConversations({ session, chat, onOpen }: { session: StaffSession; chat: Chat; onOpen: (c: Chat) => void }) {
  const [chats, setChats] = useState<Chat[] | null>(null);
  useEffect(() => {
    let alive = true;
    setChats(null);
    session
      .call<{ chats: Chat[] }>("GET", `/v2/chats?visitorId=${chat.visitorId}&limit=20&sort=createdAt&order=desc`)
      .then((r) => alive && setChats(r.chats.filter((c) => c.id !== chat.id)))
      .catch(() => alive && setChats([]));
    return () => {
      alive = false;
    };
  }, [chat.visitorId, chat.id]);
  return (
    <div class="past">
      <h2>Past conversations</h2>
      {chats === null ? (
        <div class="empty">Loading…</div>
      ) : chats.length === 0 ? (
        <div class="empty">No other conversation.</div>
      ) : (
        <ul class="past-chats">
          {chats.map((c) => (
            <li key={c.id} data-chat={c.id}>
              <a href="#" onClick={(e) => (e.preventDefault(), onOpen(c))}>
                {new Date(c.createdAt).toLocaleDateString()} · {statusLabel(c.status)}
              </a>{" "}
              <small>{c.lastMessagePreview ?? ""}</small>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Search({ session, visitorId, onOpen }: { session: StaffSession; visitorId: string; onOpen: (c: Chat) => void }) {
  const [q, setQ] = useState("");
  const [onlyThem, setOnlyThem] = useState(false);
  const [hits, setHits] = useState<Hit[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async (e: Event) => {
    e.preventDefault();
    if (!q.trim()) return;
    setError(null);
    try {
      const params = new URLSearchParams({ q: q.trim(), limit: "20" });
      if (onlyThem) params.set("visitorId", visitorId);
      setHits((await session.call<{ hits: Hit[] }>("GET", `/v2/conversations/search?${params}`)).hits);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  const open = async (hit: Hit) => {
    try {
      onOpen(await session.call<Chat>("GET", `/v2/chats/${hit.chatId}`));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <form class="search" onSubmit={run}>
      <h2>Search conversations</h2>
      <input type="search" aria-label="Search conversations" placeholder="words…" value={q} maxLength={200} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
      <label>
        <input type="checkbox" checked={onlyThem} onChange={(e) => setOnlyThem((e.target as HTMLInputElement).checked)} /> this visitor only
      </label>
      {error && <div class="err">{error}</div>}
      {hits !== null &&
        (hits.length === 0 ? (
          <div class="empty">Nothing found.</div>
        ) : (
          <ul class="hits">
            {hits.map((h) => (
              <li key={h.messageId}>
                <a href="#" onClick={(e) => (e.preventDefault(), void open(h))}>
                  {visitorLabel(h.visitorId)} · {clock(h.sentAt)}
                </a>
                <div class="preview">{h.content}</div>
              </li>
            ))}
          </ul>
        ))}
    </form>
  );
}
