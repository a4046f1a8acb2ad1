// The visitor's chat: open, send and receive live, typing, agent's name, human hand-off, rating.
// Every text from people is rendered as a text node (JSX children), never as HTML.

import { useEffect, useRef, useState } from "preact/hooks";
import type { Socket } from "socket.io-client";
import { ACCEPT, AttachmentView, attachmentOf, uploadFile } from "../shared/attachments";
import { ApiError, request, uuid } from "../shared/http";
import { localMessage, mergeMessage } from "../shared/messages";
import type { Message } from "../shared/types";
import { Citations } from "./citations";
import { shownGreeting, withOneWelcome } from "./greeting";
import { EmailCapture, TranscriptButton, forgetLinkToken, linkToken, nobodyOnline } from "./EmailCapture";
import { Markdown } from "../shared/markdown";
import { DEFAULT_LOOK, lookCss } from "./look";
import { provideEmailCapture } from "./EmailCaptureSlot";
import { AiLabel, Disclosure } from "./Disclosure";
import { perLanguage, pickLanguage, translator, type Translate } from "./i18n";
import type { VisitorSession } from "./session";
import { useVisitorSettings } from "./visitorSettings";
import { OfflineNotice, subtitle, usePeople, WaitingNotice } from "./Waiting";

interface Props {
  session: VisitorSession;
  socket: Socket;
  title: string;
}

type Phase = "open" | "closed" | "rated";

/** The visitor's language for this page: the page's lang, then the browser's (i18n.ts). */
const LANGUAGE = pickLanguage();
const t = translator(LANGUAGE);

export function Widget({ session, socket, title }: Props) {
  const [open, setOpen] = useState(false);
  const [chatId, setChatId] = useState<string | null>(session.chatId);
  const [messages, setMessages] = useState<Message[]>([]);
  const [agent, setAgent] = useState<string | null>(null);
  const [typing, setTyping] = useState<string | null>(null);
  const [phase, setPhase] = useState<Phase>("open");
  const [online, setOnline] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [text, setText] = useState("");
  const [humanAsked, setHumanAsked] = useState(false);
  // the e-mail line: "ask" shows it, "done" once answered (saved or declined) in this chat
  const [emailLine, setEmailLine] = useState<"auto" | "ask" | "done">("auto");
  const [uploading, setUploading] = useState(false);
  const chatRef = useRef<string | null>(chatId);
  const logRef = useRef<HTMLDivElement>(null);
  const typingSent = useRef(0);
  const typingTimer = useRef<number | undefined>(undefined);
  const phaseRef = useRef<Phase>("open");
  const creating = useRef(false);
  const openRef = useRef(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const launcherRef = useRef<HTMLButtonElement>(null);
  const closedByKey = useRef(false);
  chatRef.current = chatId;
  phaseRef.current = phase;
  openRef.current = open;

  const call = async <T,>(method: string, path: string, body?: unknown): Promise<T> =>
    request<T>(session.base, method, path, await session.token(), body);

  const loadChat = async (id: string) => {
    try {
      const chat = await call<{
        status: string;
        satisfactionRating: number | null;
        assignedCommercial: { name: string | null } | null;
      }>("GET", `/v2/chats/${id}`);
      if (chat.status === "ABANDONED" || (chat.status === "CLOSED" && chat.satisfactionRating)) {
        // Over and rated: a new chat, now if the widget was opened meanwhile, else on opening.
        session.chatId = null;
        chatRef.current = null;
        setChatId(null);
        setMessages([]);
        if (openRef.current) void openChat();
        return;
      }
      // Closed while the visitor was away: show it and ask for the rating.
      if (chat.status === "CLOSED") setPhase("closed");
      // Only ever set from here: a reply fetched before the assignment must not erase the
      // name that chat:assigned has just shown.
      if (chat.assignedCommercial?.name) setAgent(chat.assignedCommercial.name);
      const page = await call<{ messages: Message[] }>("GET", `/v2/chats/${id}/messages?limit=100`);
      setMessages((list) => page.messages.reduce(mergeMessage, list));
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        session.chatId = null;
        setChatId(null);
      }
    }
  };

  // Join the chat's room, then read its messages: message:new goes only to the room, so what was
  // sent between the chat's creation (or the last read) and the join (the bot's welcome, a few
  // ms after the chat) is read once the join is acknowledged; mergeMessage drops repeats.
  const follow = (id: string) => {
    socket.emit("chat:join", { chatId: id }, () => void loadChat(id));
  };

  useEffect(() => {
    const onAny = (_: string, data: { seq?: number } | undefined) => session.seen(data?.seq);
    // A refused handshake is not retried by socket.io itself: back off, 2 s doubling to a minute.
    let retryMs = 2000;
    const mine = (data: { chatId?: string }) => !!data && data.chatId === chatRef.current;
    socket.onAny(onAny);
    socket.on("connect", () => {
      retryMs = 2000;
      setOnline(true);
      setError(null);
      if (chatRef.current) follow(chatRef.current);
    });
    socket.on("disconnect", () => setOnline(false));
    socket.on("connect_error", () => {
      setOnline(false);
      window.setTimeout(() => socket.connect(), retryMs);
      retryMs = Math.min(retryMs * 2, 60_000);
    });
    // An agent invited this visitor: adopt the chat they opened, unless one is already open.
    socket.on("chat:created", (data: { chatId: string; visitorId: string }) => {
      if (creating.current || data.visitorId !== session.visitorId) return;
      if (chatRef.current && phaseRef.current === "open") return;
      setAgent(null);
      setHumanAsked(false);
      session.chatId = data.chatId;
      chatRef.current = data.chatId;
      setChatId(data.chatId);
      setMessages([]);
      setPhase("open");
      setOpen(true);
      follow(data.chatId);
    });
    const onPage = () => socket.emit("visitor:page", { currentUrl: location.href, title: document.title });
    window.addEventListener("popstate", onPage);
    window.addEventListener("hashchange", onPage);
    // Nurturing content from the strategy (an event of the log: replayed, de-duplicated by id).
    socket.on(
      "visitor:content",
      (c: { eventId?: string; title?: string; body?: string; url?: string; timestamp: string }) => {
        const id = `content-${c.eventId ?? c.timestamp}`;
        const card = localMessage({
          id,
          chatId: chatRef.current ?? "",
          sender: { id: "", name: null, role: "system" },
          content: c.body ?? "",
          type: "system",
          metadata: { nurturing: true, title: c.title, url: c.url },
          sentAt: c.timestamp,
        });
        setMessages((list) => mergeMessage(list, card));
      },
    );
    socket.on("message:new", (m: Message) => {
      if (!mine(m) || m.isInternal) return;
      setMessages((list) => mergeMessage(list, m));
      setTyping(null);
    });
    socket.on("chat:assigned", (data: { chatId: string; commercial?: { name: string | null } }) => {
      if (mine(data)) setAgent(data.commercial?.name ?? t("agentFallback"));
    });
    socket.on("chat:closed", (data: { chatId: string; satisfaction?: number | null }) => {
      if (!mine(data)) return;
      setPhase(data.satisfaction ? "rated" : "closed");
      setTyping(null);
    });
    socket.on("typing:start", (data: { chatId: string; userType: string }) => {
      if (!mine(data) || data.userType === "visitor") return;
      setTyping(data.userType === "ai" ? t("typing.ai") : t("typing.agent"));
      window.clearTimeout(typingTimer.current);
      typingTimer.current = window.setTimeout(() => setTyping(null), 6000);
    });
    socket.on("typing:stop", (data: { chatId: string }) => {
      if (mine(data)) setTyping(null);
    });
    socket.connect();
    return () => {
      window.removeEventListener("popstate", onPage);
      window.removeEventListener("hashchange", onPage);
      socket.offAny(onAny);
      socket.removeAllListeners();
      socket.disconnect();
    };
  }, []);

  useEffect(() => {
    logRef.current?.scrollTo(0, logRef.current.scrollHeight);
  }, [messages, typing, open]);

  // Opened from an e-mailed link (#guiders-chat=...): become that visitor, in that chat.
  useEffect(() => {
    const token = linkToken();
    if (!token) return;
    forgetLinkToken();
    request<{ visitorId: string; chatId: string; accessToken: string; refreshToken: string; expiresIn: number }>(
      session.base,
      "POST",
      "/v2/chat-links/resume",
      null,
      { token },
    ).then(
      (reply) => {
        session.resumeWith(reply);
        chatRef.current = reply.chatId;
        setChatId(reply.chatId);
        setMessages([]);
        setPhase("open");
        setOpen(true);
        openRef.current = true;
        setEmailLine("done");
        // the socket reconnects with the resumed visitor's token, joins and loads the chat
        socket.disconnect();
        socket.connect();
      },
      () => setError("This chat link has expired or is not valid."),
    );
  }, []);

  // The company's look, greeting and settings (console), read again on every opening.
  const { look, settings } = useVisitorSettings(call, open, LANGUAGE);
  // The settings' untouched default title is English: the page's own title or the visitor's
  // language wins over it; a title the admin typed wins over both.
  const shownTitle = look?.title && look.title !== DEFAULT_LOOK.title ? look.title : title;

  const creatingChat = useRef<Promise<string | null> | null>(null);
  /** One chat at a time: concurrent callers (open + send) share the same request. */
  const openChat = (): Promise<string | null> => {
    if (chatRef.current) return Promise.resolve(chatRef.current);
    creatingChat.current ??= createChat().finally(() => {
      creatingChat.current = null;
      creating.current = false;
    });
    return creatingChat.current;
  };

  const createChat = async (): Promise<string | null> => {
    creating.current = true;
    try {
      const reply = await call<{ chatId: string }>("POST", "/v2/chats", {
        metadata: {
          source: "widget",
          initialUrl: location.href.slice(0, 2000),
          customFields: { language: LANGUAGE },
        },
      });
      session.chatId = reply.chatId;
      chatRef.current = reply.chatId;
      setChatId(reply.chatId);
      setPhase("open");
      follow(reply.chatId);
      return reply.chatId;
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      return null;
    }
  };

  const toggle = () => {
    const next = !open;
    openRef.current = next;
    setOpen(next);
    if (next && !chatRef.current) void openChat();
  };

  // Keyboard: opening puts the cursor in the message box (where a mouse or trackpad is used:
  // on a phone it would pop the keyboard over the page), Escape closes and returns to the launcher.
  useEffect(() => {
    if (open && window.matchMedia?.("(pointer: fine)").matches) inputRef.current?.focus();
    if (!open && closedByKey.current) {
      closedByKey.current = false;
      launcherRef.current?.focus();
    }
  }, [open]);
  const onPanelKey = (e: KeyboardEvent) => {
    if (e.key !== "Escape") return;
    closedByKey.current = true;
    toggle();
  };

  const send = async (content: string, clientMessageId: string) => {
    const id = await openChat();
    if (!id) return;
    const draft = localMessage({
      id: clientMessageId,
      chatId: id,
      sender: { id: session.visitorId ?? "", name: null, role: "visitor" },
      content,
      type: "text",
      metadata: {},
      sentAt: new Date().toISOString(),
      clientMessageId,
      pending: true,
    });
    setMessages((list) => mergeMessage(list, draft));
    try {
      // Idempotent by clientMessageId: a retry after a lost reply stores nothing twice.
      const stored = await call<Message>("POST", `/v2/chats/${id}/messages`, { content, clientMessageId });
      setMessages((list) => mergeMessage(list, stored));
      setError(null);
    } catch (err) {
      // Only a message still pending failed: one the socket has meanwhile delivered was stored.
      setMessages((list) =>
        list.map((m) => (m.clientMessageId === clientMessageId && m.pending ? { ...m, failed: true } : m)),
      );
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  const attach = async (input: HTMLInputElement) => {
    const file = input.files?.[0];
    input.value = "";
    const id = chatRef.current;
    if (!file || !id) return;
    setUploading(true);
    setError(null);
    try {
      const stored = await uploadFile(session.base, await session.token(), id, file);
      setMessages((list) => mergeMessage(list, stored));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setUploading(false);
    }
  };

  /** The same clientMessageId: if the first try was stored after all, nothing is duplicated. */
  const retry = (m: Message) => {
    setMessages((list) => list.filter((x) => x.clientMessageId !== m.clientMessageId));
    void send(m.content, m.clientMessageId!);
  };

  const submit = (e: Event) => {
    e.preventDefault();
    const content = text.trim();
    if (!content) return;
    setText("");
    stopTyping();
    void send(content, uuid());
  };

  const onInput = (value: string) => {
    setText(value);
    const id = chatRef.current;
    if (!id || !socket.connected) return;
    if (Date.now() - typingSent.current > 2500) {
      typingSent.current = Date.now();
      socket.emit("typing:start", { chatId: id });
    }
  };

  const stopTyping = () => {
    if (chatRef.current && typingSent.current) socket.emit("typing:stop", { chatId: chatRef.current });
    typingSent.current = 0;
  };

  const askHuman = async () => {
    const id = await openChat();
    if (!id) return;
    try {
      await call("POST", `/v2/chats/${id}/request-agent`, { reason: "visitor_request" });
      setHumanAsked(true);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  const endChat = async () => {
    const id = chatRef.current;
    if (!id) return;
    try {
      await call("PUT", `/v2/chats/${id}/close`, { reason: "visitor_closed" });
      setPhase("closed");
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  /** Whoever closed the chat, the visitor rates it afterwards, once. */
  const rate = async (stars: number) => {
    const id = chatRef.current;
    if (!id) return;
    try {
      await call("PUT", `/v2/chats/${id}/rating`, { satisfaction: stars });
      setPhase("rated");
    } catch (err) {
      if (err instanceof ApiError && err.code === "conflict") setPhase("rated");
      else setError(err instanceof Error ? err.message : String(err));
    }
  };

  const restart = () => {
    session.chatId = null;
    chatRef.current = null;
    setChatId(null);
    setMessages([]);
    setAgent(null);
    setHumanAsked(false);
    setEmailLine("auto");
    setPhase("open");
    void openChat();
  };

  const bot = settings?.sections.bot;
  const disclosure = bot && bot.enabled !== false ? perLanguage(bot.disclosure, LANGUAGE) : null;
  const waiting =
    !agent && phase === "open" && (humanAsked || messages.some((m) => m.metadata?.isEscalationPending === true));
  const people = usePeople(call, chatId, waiting, open);
  const away = people.availability?.state === "closed" || people.availability?.state === "nobody_online";
  // the offline notice holds the e-mail line when it shows; otherwise it follows the hand-off
  const emailInNotice = !agent && phase === "open" && away && people.availability?.outsideHours === "offer_email";
  const greeting = shownGreeting(look?.greeting, messages);
  provideEmailCapture((props) =>
    emailLine === "done" ? <span /> : <EmailCapture call={call} t={t} chatId={props.chatId} onDone={() => setEmailLine("done")} />,
  );

  return (
    <div>
      {look && <style>{lookCss(look)}</style>}
      {open && (
        <div class="panel" role="dialog" aria-label={shownTitle} onKeyDown={onPanelKey}>
          <div class="head">
            <b>{shownTitle}</b>
            <small class="subtitle">{subtitle(t, people.availability, agent, waiting)}</small>
            <button type="button" class="head-close" aria-label={t("close")} onClick={toggle}>
              ×
            </button>
          </div>
          {!online && <div class="offline">{t("reconnecting")}</div>}
          {error && <div class="error">{error}</div>}
          {waiting && <WaitingNotice t={t} wait={people.wait} />}
          {!agent && phase === "open" && (
            <OfflineNotice t={t} language={LANGUAGE} availability={people.availability} chatId={chatId} />
          )}
          <div class="log" ref={logRef}>
            <Disclosure text={disclosure} language={LANGUAGE} chatId={chatId} call={call} />
            {greeting && <div class="msg greeting">{greeting}</div>}
            {withOneWelcome(messages).map((m) => (
              <Bubble
                key={m.clientMessageId || m.id}
                m={m}
                session={session}
                onRetry={m.failed && m.clientMessageId ? () => retry(m) : undefined}
                t={t}
              />
            ))}
          </div>
          <div class="typing">{typing ?? ""}</div>
          {!emailInNotice && (emailLine === "ask" || (emailLine === "auto" && nobodyOnline(messages))) && (
            <EmailCapture call={call} t={t} chatId={chatId} onDone={() => setEmailLine("done")} />
          )}
          {phase === "open" ? (
            <div>
              <form class="bar" onSubmit={submit}>
                <input
                  ref={inputRef}
                  value={text}
                  placeholder={t("placeholder")}
                  aria-label={t("message")}
                  maxLength={10000}
                  onInput={(e) => onInput((e.target as HTMLInputElement).value)}
                  onBlur={stopTyping}
                />
                <label class="attach" title={t("attach")}>
                  {uploading ? "…" : <ClipIcon />}
                  <input
                    type="file"
                    class="file"
                    aria-label={t("attach")}
                    accept={ACCEPT}
                    disabled={uploading || !chatId}
                    onChange={(e) => void attach(e.target as HTMLInputElement)}
                  />
                </label>
                <button class="send" type="submit">
                  {t("send")}
                </button>
              </form>
              <div class="actions">
                <button type="button" class="human" onClick={askHuman} disabled={humanAsked || !!agent}>
                  {t("human")}
                </button>
                <button type="button" class="end" onClick={endChat}>
                  {t("end")}
                </button>
                {emailLine === "auto" && !nobodyOnline(messages) && (
                  <button type="button" class="email-ask" onClick={() => setEmailLine("ask")}>
                    {t("email.ask")}
                  </button>
                )}
                <TranscriptButton call={call} t={t} chatId={chatId} onNeedEmail={() => setEmailLine("ask")} />
              </div>
            </div>
          ) : (
            <div class="rate">
              {phase === "closed" ? (
                <div>
                  <div>{t("rate.ask")}</div>
                  {[1, 2, 3, 4, 5].map((n) => (
                    <button type="button" class="star" key={n} aria-label={t("rate.star", { n })} onClick={() => rate(n)}>
                      ★
                    </button>
                  ))}
                </div>
              ) : (
                <div class="thanks">{t("rate.thanks")}</div>
              )}
              <button type="button" class="again" onClick={restart}>
                {t("again")}
              </button>
              <TranscriptButton call={call} t={t} chatId={chatId} onNeedEmail={() => setEmailLine("ask")} />
            </div>
          )}
        </div>
      )}
      {/* Shown once the company's look is read (or has failed: the defaults): a launcher that
          changed shape under a pressed pointer (icon to text, right to left) lost that click. */}
      {look && (
        <button ref={launcherRef} class={open ? "launcher shut" : look.launcher_text ? "launcher text" : "launcher"} type="button" aria-label={open ? t("close") : t("open")} onClick={toggle}>
          {open ? "×" : look.launcher_text || <ChatIcon />}
        </button>
      )}
    </div>
  );
}

function Bubble({ m, session, onRetry, t }: { m: Message; session: VisitorSession; onRetry?: () => void; t: Translate }) {
  const meta = m.metadata || {};
  if (meta.nurturing || meta.strategy === "nurturing" || meta.kind === "content") {
    const url = typeof meta.url === "string" && /^(https?:\/\/|\/)/.test(meta.url) ? meta.url : null;
    return (
      <div class="card nurturing">
        {typeof meta.title === "string" && <b>{meta.title}</b>}
        <div>{m.content}</div>
        {url && (
          <a href={url} target="_blank" rel="noopener noreferrer">
            {t("readMore")}
          </a>
        )}
      </div>
    );
  }
  if (m.sender.role === "system" || m.type === "system") return <div class="msg system">{m.content}</div>;
  const mine = m.sender.role === "visitor";
  const file = attachmentOf(m);
  const cls = ["msg", mine ? "mine" : "theirs", m.isAI ? "ai" : "", m.pending ? "pending" : "", m.failed ? "failed" : ""];
  return (
    <div class={cls.join(" ")} data-id={m.id}>
      {!mine && (
        <span class="who">
          {m.sender.name || (m.isAI ? t("who.assistant") : t("who.agent"))}
          {m.isAI && <AiLabel t={t} />}
        </span>
      )}
      {file ? (
        <AttachmentView info={file} base={session.base} token={() => session.token()} />
      ) : (
        <Markdown text={m.content} />
      )}
      {m.isAI && <Citations metadata={meta} label={t("sources")} />}
      {onRetry && (
        <button type="button" class="retry" onClick={onRetry}>
          {t("retry")}
        </button>
      )}
    </div>
  );
}

/** Icons drawn here, not emoji: a page without an emoji font would show an empty box. */
function ClipIcon() {
  return (
    <svg class="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
      <path d="M21 11.5l-8.5 8.5a5 5 0 0 1-7.1-7.1l8.5-8.5a3.5 3.5 0 0 1 5 5l-8.5 8.5a2 2 0 0 1-2.8-2.8l7.8-7.8" />
    </svg>
  );
}

function ChatIcon() {
  return (
    <svg class="icon" viewBox="0 0 24 24" width="26" height="26" aria-hidden="true" fill="currentColor">
      <path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z" />
    </svg>
  );
}
