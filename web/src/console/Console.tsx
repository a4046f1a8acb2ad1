// The agent console: queue, my chats, a chat with its history, visitor profile, status, all live.
// Text from visitors, agents and the bot is rendered as text nodes, never as HTML.

import { useEffect, useRef, useState } from "preact/hooks";
import { io, type Socket } from "socket.io-client";
import { uuid } from "../shared/http";
import { InvitationForm, LoginForm, StaffSession, TwoFactorPanel } from "../shared/staff";
import { clock } from "../shared/clock";
import { mergeMessage } from "../shared/messages";
import type { Chat, Message } from "../shared/types";
import { Knowledge } from "./Knowledge";
import { LiveVisitorList, useLiveVisitors } from "./LiveVisitors";
import { DraftActions, type DraftAction, isDraft, recordReview } from "./Drafts";
import { AlertsToggle, useChatAlerts } from "./Alerts";
import { CannedManager, CannedPreview, CannedSuggestions, complete, expandCanned, suggestions, useCanned } from "./Canned";
import { Tags, Transfer } from "./HandOn";
import { VisitorPanel } from "./VisitorPanel";
import { visitorLabel } from "../shared/visitor";
import { priorityLabel, statusLabel } from "../shared/chatStatus";
import { AttachButton, MessageBody } from "./Attachments";
import { Settings } from "./settings/Settings";

const session = new StaffSession();
const OPEN = "ASSIGNED,ACTIVE,TRANSFERRED";

export function Console() {
  const [user, setUser] = useState(session.user);
  const [invitation, setInvitation] = useState(location.hash.startsWith("#invitation=") ? location.hash.slice(12) : null);
  if (!user && invitation) return <InvitationForm session={session} token={invitation} onDone={() => setInvitation(null)} />;
  if (!user) return <LoginForm session={session} title="Agent console" onDone={() => setUser(session.user)} />;
  return (
    <Desk
      onLogout={() => {
        session.logout();
        setUser(null);
      }}
    />
  );
}

function age(iso: string): string {
  const s = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
  if (s < 60) return `${Math.floor(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  return `${Math.floor(s / 3600)}h`;
}

function Desk({ onLogout }: { onLogout: () => void }) {
  const me = session.user!;
  const [queue, setQueue] = useState<Chat[]>([]);
  const [mine, setMine] = useState<Chat[]>([]);
  const [selected, setSelected] = useState<Chat | null>(null);
  const [messages, setMessages] = useState<Message[]>([]);
  const [status, setStatus] = useState("online");
  const [live, setLive] = useState(false);
  const [typing, setTyping] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [security, setSecurity] = useState(false);
  const [knowledge, setKnowledge] = useState(false);
  const [cannedPage, setCannedPage] = useState(false);
  const [cannedVersion, setCannedVersion] = useState(0);
  const [settings, setSettings] = useState(location.hash.startsWith("#settings"));
  const [, tick] = useState(0);
  const selRef = useRef<string | null>(null);
  const socketRef = useRef<Socket | null>(null);
  const [socket, setSocket] = useState<Socket | null>(null);
  const visitors = useLiveVisitors(socket);
  const alerts = useChatAlerts(socket);
  const lastSeq = useRef(0);
  const logRef = useRef<HTMLDivElement>(null);
  selRef.current = selected?.id ?? null;

  const fail = (err: unknown) => setError(err instanceof Error ? err.message : String(err));

  // The console follows the rooms of the chats in the queue, so their previews update live: a
  // visitor's first message usually lands just after chat:created, and message:new goes only
  // to a chat's rooms. Once the new rooms are joined the queue is read again, so a message
  // sent between the first read and the join is not missed either.
  const watched = useRef<Set<string>>(new Set());
  const watchQueue = (chats: Chat[]) => {
    const socket = socketRef.current;
    if (!socket?.connected) return;
    let joining = 0;
    for (const c of chats) {
      if (watched.current.has(c.id)) continue;
      watched.current.add(c.id);
      joining += 1;
      socket.emit("chat:join", { chatId: c.id }, () => {
        joining -= 1;
        if (joining === 0) void refresh();
      });
    }
  };

  const refresh = async () => {
    try {
      const [q, m] = await Promise.all([
        session.call<{ chats: Chat[] }>("GET", "/v2/chats/queue/pending"),
        session.call<{ chats: Chat[] }>("GET", `/v2/chats?assignedCommercialId=${me.id}&status=${OPEN}&sort=lastMessageDate&limit=50`),
      ]);
      setQueue(q.chats);
      setMine(m.chats);
      watchQueue(q.chats);
      const id = selRef.current;
      if (id) {
        const fresh = [...q.chats, ...m.chats].find((c) => c.id === id);
        if (fresh) setSelected(fresh);
        else setSelected(await session.call<Chat>("GET", `/v2/chats/${id}`));
      }
    } catch (err) {
      fail(err);
    }
  };

  useEffect(() => {
    const socket = io(location.origin, {
      transports: ["websocket"],
      auth: (cb) => {
        session.token().then((token) => cb({ token, lastSeq: lastSeq.current || undefined }), () => cb({}));
      },
    });
    socketRef.current = socket;
    setSocket(socket);
    let pending: number | undefined;
    const soon = () => {
      window.clearTimeout(pending);
      pending = window.setTimeout(refresh, 150);
    };
    socket.onAny((_: string, data: { seq?: number } | undefined) => {
      if (typeof data?.seq === "number" && data.seq > lastSeq.current) lastSeq.current = data.seq;
    });
    socket.on("connect", () => {
      setLive(true);
      watched.current.clear();
      if (selRef.current) socket.emit("chat:join", { chatId: selRef.current });
      soon();
      void readMyStatus();
    });
    socket.on("disconnect", () => setLive(false));
    socket.on("connect_error", (err: Error) => {
      setLive(false);
      if (String(err.message).includes("unauthorized")) onLogout();
      else window.setTimeout(() => socket.connect(), 2000);
    });
    socket.on("message:new", (m: Message) => {
      if (m.chatId === selRef.current) setMessages((list) => mergeMessage(list, m));
      if (m.chatId === selRef.current && m.sender.role !== "commercial") setTyping(false);
      soon();
    });
    for (const name of ["chat:created", "chat:assigned", "chat:closed", "chat:rated", "chat:agent-requested", "chat:status-changed"])
      socket.on(name, soon);
    socket.on("typing:start", (d: { chatId: string; userType?: string }) => d.chatId === selRef.current && d.userType === "visitor" && setTyping(true));
    socket.on("typing:stop", (d: { chatId: string }) => d.chatId === selRef.current && setTyping(false));
    socket.on("commercial:status", (d: { userId: string; status: string }) => d.userId === me.id && setStatus(d.status));
    const timer = window.setInterval(() => tick((n) => n + 1), 15_000);
    return () => {
      window.clearInterval(timer);
      socket.removeAllListeners();
      socket.disconnect();
    };
  }, []);

  useEffect(() => {
    logRef.current?.scrollTo(0, logRef.current.scrollHeight);
  }, [messages, typing]);

  // a link to a settings page (#settings/team) followed in an open console opens it
  useEffect(() => {
    const onHash = () => location.hash.startsWith("#settings") && setSettings(true);
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);

  const open = async (chat: Chat) => {
    alerts.seen();
    const socket = socketRef.current;
    if (selRef.current && selRef.current !== chat.id && !watched.current.has(selRef.current))
      socket?.emit("chat:leave", { chatId: selRef.current });
    setSelected(chat);
    selRef.current = chat.id;
    setMessages([]);
    setTyping(false);
    socket?.emit("chat:join", { chatId: chat.id });
    try {
      const page = await session.call<{ messages: Message[] }>("GET", `/v2/chats/${chat.id}/messages?limit=100`);
      setMessages((list) => page.messages.reduce(mergeMessage, list));
    } catch (err) {
      fail(err);
    }
  };

  const take = async (chat: Chat) => {
    try {
      const updated = await session.call<Chat>("PUT", `/v2/chats/${chat.id}/assign/${me.id}`);
      await open(updated);
      await refresh();
    } catch (err) {
      fail(err);
    }
  };

  // The server set it when this socket opened (an admin comes in "away": docs/settings.md),
  // or another tab chose it: read it rather than assume "online".
  const readMyStatus = async () => {
    try {
      const list = await session.call<{ data: { id: string; status: string }[] }>("GET", "/v2/commercials");
      const mine = list.data.find((c) => c.id === me.id);
      if (mine) setStatus(mine.status);
    } catch (err) {
      fail(err);
    }
  };

  const changeStatus = async (value: string) => {
    try {
      const reply = await session.call<{ status: string }>("PUT", `/v2/commercials/${me.id}/status`, { status: value });
      setStatus(reply.status);
    } catch (err) {
      fail(err);
    }
  };

  return (
    <div>
      <div class="top">
        <b>Guiders · Agent console</b>
        <div class="me">
          <span class={live ? "live" : "live off"}>{live ? "live" : "reconnecting…"}</span>
          <span class="who">{me.name}</span>
          <select aria-label="My status" value={status} onChange={(e) => changeStatus((e.target as HTMLSelectElement).value)}>
            {["online", "busy", "away", "offline"].map((s) => (
              <option value={s} key={s}>
                {s}
              </option>
            ))}
          </select>
          {(me.role === "admin" || me.role === "supervisor") && (
            <button type="button" onClick={() => setKnowledge(!knowledge)}>
              {knowledge ? "Chats" : "Knowledge"}
            </button>
          )}
          <AlertsToggle alerts={alerts} />
          <button type="button" class="canned-page" onClick={() => setCannedPage(!cannedPage)}>
            {cannedPage ? "Chats" : "Canned"}
          </button>
          {/* only admins have settings; anyone sent to a settings link can still get back */}
          {(me.role === "admin" || settings) && (
            <button
              type="button"
              class="settings-toggle"
              onClick={() => {
                setSettings(!settings);
                if (settings && location.hash.startsWith("#settings")) history.replaceState(null, "", location.pathname);
              }}
            >
              {settings ? "Chats" : "Settings"}
            </button>
          )}
          <button class="security" onClick={() => setSecurity(!security)}>
            Security
          </button>
          <button onClick={onLogout}>Sign out</button>
        </div>
      </div>
      {error && (
        <div class="err toast" role="alert">
          <span>{error}</span>
          <button type="button" aria-label="Dismiss" onClick={() => setError(null)}>
            ×
          </button>
        </div>
      )}
      {security && <TwoFactorPanel session={session} onClose={() => setSecurity(false)} />}
      {knowledge && !settings && <Knowledge session={session} />}
      {cannedPage && !settings && <CannedManager session={session} isAdmin={me.role === "admin"} onChanged={() => setCannedVersion((n) => n + 1)} />}
      {settings && <Settings session={session} />}
      <div class="cols" style={knowledge || cannedPage || settings ? "display: none" : undefined}>
        <div class="box">
          <h2>On the site now ({visitors.length})</h2>
          <LiveVisitorList
            session={session}
            visitors={visitors}
            onError={fail}
            onInvited={(chat) => {
              void open(chat);
              void refresh();
            }}
          />
          <h2>Pending queue ({queue.length})</h2>
          {queue.length === 0 && <div class="empty">Nobody is waiting.</div>}
          <div class="queue">
            {queue.map((c) => (
              <div class={`item ${selected?.id === c.id ? "sel" : ""}`} key={c.id} onClick={() => open(c)} data-chat={c.id}>
                <div class="row">
                  <b>{visitorLabel(c.visitorId, c.visitorInfo)}</b>
                  <span class={`prio ${c.priority}`}>{priorityLabel(c.priority)}</span>
                </div>
                <div class="preview">{c.lastMessagePreview || "no messages yet"}</div>
                <div class="row">
                  <small>waiting {age(c.createdAt)}</small>
                  <button
                    class="primary take"
                    onClick={(e) => {
                      e.stopPropagation();
                      void take(c);
                    }}
                  >
                    Take
                  </button>
                </div>
              </div>
            ))}
          </div>
          <h2>My chats ({mine.length})</h2>
          {mine.length === 0 && <div class="empty">No open chats.</div>}
          <div class="mine">
            {mine.map((c) => (
              <div class={`item ${selected?.id === c.id ? "sel" : ""}`} key={c.id} onClick={() => open(c)} data-chat={c.id}>
                <div class="row">
                  <b>{visitorLabel(c.visitorId, c.visitorInfo)}</b>
                  <small>{statusLabel(c.status)}</small>
                </div>
                <div class="preview">{c.lastMessagePreview || ""}</div>
              </div>
            ))}
          </div>
        </div>
        {selected ? (
          <ChatPane
            chat={selected}
            messages={messages}
            typing={typing}
            logRef={logRef}
            socket={socketRef.current}
            meId={me.id}
            mayHandle={me.role === "admin" || me.role === "supervisor" || selected.assignedCommercialId === me.id}
            onTake={() => void take(selected)}
            cannedVersion={cannedVersion}
            onSent={(m) => setMessages((list) => mergeMessage(list, m))}
            onError={fail}
            onClosed={refresh}
          />
        ) : (
          <div class="box empty">Pick a chat from the queue or your chats.</div>
        )}
        <div class="box">{selected ? <VisitorPanel
              session={session}
              chat={selected}
              livePage={visitors.find((v) => v.visitorId === selected.visitorId)?.url ?? null}
              onOpen={(c) => void open(c)}
            /> : <div class="empty">Visitor profile</div>}</div>
      </div>
    </div>
  );
}

interface PaneProps {
  chat: Chat;
  messages: Message[];
  typing: boolean;
  logRef: { current: HTMLDivElement | null };
  socket: Socket | null;
  meId: string;
  /** An agent writes in and closes only the chats assigned to them (the server says so too):
   * in another chat they may leave an internal note, and take it first if it is queued. */
  mayHandle: boolean;
  onTake: () => void;
  cannedVersion: number;
  onSent: (m: Message) => void;
  onError: (err: unknown) => void;
  onClosed: () => void;
}

function ChatPane({ chat, messages, typing, logRef, socket, meId, mayHandle, onTake, cannedVersion, onSent, onError, onClosed }: PaneProps) {
  const [text, setText] = useState("");
  const [canned] = useCanned(session, cannedVersion);
  const [internal, setInternal] = useState(false);
  const [resolution, setResolution] = useState("");
  const [editing, setEditing] = useState<Message | null>(null);
  const [reviewed, setReviewed] = useState<Set<string>>(new Set());
  const typingAt = useRef(0);
  const review = async (draft: Message, action: DraftAction) => {
    await recordReview(session, draft, action);
    setReviewed((done) => new Set(done).add(draft.id));
  };
  const post = async (content: string) =>
    onSent(await session.call<Message>("POST", `/v2/chats/${chat.id}/messages`, { content, clientMessageId: uuid() }));
  const sendDraft = async (draft: Message) => {
    try {
      await post(draft.content);
      await review(draft, "sent");
    } catch (err) {
      onError(err);
    }
  };
  const editDraft = (draft: Message) => {
    setEditing(draft);
    setInternal(false);
    setText(draft.content);
  };
  const discardDraft = async (draft: Message) => {
    try {
      await review(draft, "discarded");
    } catch (err) {
      onError(err);
    }
  };
  const closed = chat.status === "CLOSED" || chat.status === "ABANDONED";
  const notesOnly = !closed && !mayHandle;
  const noteMode = internal || notesOnly;

  const send = async (e: Event) => {
    e.preventDefault();
    const typed = text.trim();
    if (!typed) return;
    setText("");
    socket?.emit("typing:stop", { chatId: chat.id });
    typingAt.current = 0;
    try {
      const content = await expandCanned(session, chat.id, typed);
      const body = { content, clientMessageId: uuid(), ...(noteMode ? { type: "internal" } : {}) };
      onSent(await session.call<Message>("POST", `/v2/chats/${chat.id}/messages`, body));
      if (editing && !noteMode) {
        await review(editing, content === editing.content.trim() ? "sent" : "edited");
        setEditing(null);
      }
    } catch (err) {
      // a refused or failed send keeps what the agent wrote, unless they already typed more
      setText((now) => now || typed);
      onError(err);
    }
  };

  const onInput = (value: string) => {
    setText(value);
    if (!noteMode && Date.now() - typingAt.current > 2500) {
      typingAt.current = Date.now();
      socket?.emit("typing:start", { chatId: chat.id });
    }
  };

  const close = async () => {
    try {
      await session.call("PUT", `/v2/chats/${chat.id}/close`, {
        reason: "agent_closed",
        resolution: resolution.trim() || "resolved",
      });
      onClosed();
    } catch (err) {
      onError(err);
    }
  };

  return (
    <div class="box chat">
      <div class="row" style="display:flex;justify-content:space-between">
        <b>{visitorLabel(chat.visitorId, chat.visitorInfo)}</b>
        <small class="chat-status">
          {statusLabel(chat.status)} · {priorityLabel(chat.priority)}
          {chat.assignedCommercial?.name ? ` · ${chat.assignedCommercial.name}` : ""}
        </small>
      </div>
      <div class="msgs" ref={logRef}>
        {messages.length === 0 && <div class="empty">No messages yet.</div>}
        {messages.map((m) => {
          const kind = m.isInternal ? "internal" : m.isAI ? "ai" : m.sender.role;
          const draft = isDraft(m);
          const label = draft
            ? `Draft by the bot · ${String(m.metadata.topic ?? "")} (only you see it)`
            : m.isInternal
              ? `Internal note · ${m.sender.name || m.sender.role}`
              : m.sender.name || m.sender.role;
          return (
            <div class={`m ${draft ? "internal draft" : kind}`} key={m.id} data-id={m.id}>
              <span class="who">
                {label} · {clock(m.sentAt)}
              </span>
              <MessageBody m={m} session={session} />
              {draft && !closed && mayHandle && <DraftActions draft={m} reviewed={reviewed.has(m.id)} onSend={sendDraft} onEdit={editDraft} onDiscard={discardDraft} />}
            </div>
          );
        })}
      </div>
      <div class="typing">{typing ? "The visitor is typing…" : ""}</div>
      {closed ? (
        <div class="empty">
          Closed{chat.resolution ? ` · ${chat.resolution}` : ""}
          {chat.satisfactionRating ? ` · rated ${chat.satisfactionRating}/5` : ""}
        </div>
      ) : (
        <div>
          {notesOnly && (
            <div class="take-first" role="status">
              {chat.assignedCommercialId
                ? `Assigned to ${chat.assignedCommercial?.name || "another agent"}: you can leave an internal note.`
                : "Waiting in the queue: take it to reply or close it; until then you can leave an internal note."}
              {!chat.assignedCommercialId && (
                <button type="button" class="primary take" onClick={onTake}>
                  Take
                </button>
              )}
            </div>
          )}
          <CannedSuggestions text={text} list={canned} onPick={setText} />
          <CannedPreview session={session} chatId={chat.id} text={text} />
          <form class="compose" onSubmit={send}>
            <input
              type="text"
              aria-label="Reply"
              placeholder={noteMode ? "Internal note (the visitor never sees it)" : "Reply to the visitor"}
              value={text}
              maxLength={10000}
              onInput={(e) => onInput((e.target as HTMLInputElement).value)}
              onKeyDown={(e) => {
                const first = suggestions(text, canned)[0];
                if (e.key === "Tab" && first) {
                  e.preventDefault();
                  setText(complete(text, first.shortcut));
                }
              }}
            />
            <label>
              <input type="checkbox" checked={noteMode} disabled={notesOnly} onChange={(e) => setInternal((e.target as HTMLInputElement).checked)} /> note
            </label>
            {!notesOnly && <AttachButton session={session} chatId={chat.id} onSent={onSent} onError={onError} />}
            <button class="primary" type="submit">
              Send
            </button>
          </form>
          {!notesOnly && (
            <div class="closebar">
              <input aria-label="Resolution" placeholder="Resolution (e.g. answered, sold)" value={resolution} onInput={(e) => setResolution((e.target as HTMLInputElement).value)} />
              <button class="close-chat" onClick={close}>
                Close chat
              </button>
            </div>
          )}
          <div class="handon">
            {!notesOnly && <Tags session={session} chat={chat} onChanged={onClosed} onError={onError} />}
            <Transfer session={session} chat={chat} meId={meId} onDone={onClosed} onError={onError} />
          </div>
        </div>
      )}
    </div>
  );
}
