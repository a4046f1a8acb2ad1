// Visitors on the site now (from the widget's sockets), their page, score and segment, and an
// Invite button that opens a chat with them and greets them.

import { useEffect, useState } from "preact/hooks";
import type { Socket } from "socket.io-client";
import { uuid } from "../shared/http";
import type { StaffSession } from "../shared/staff";
import type { Chat } from "../shared/types";
import { visitorHandle } from "../shared/visitor";

export interface LiveVisitor {
  visitorId: string;
  url: string | null;
  title: string | null;
  since: string;
}

interface Score {
  conversionProbability: number;
  segment: string;
}

export function useLiveVisitors(socket: Socket | null): LiveVisitor[] {
  const [visitors, setVisitors] = useState<LiveVisitor[]>([]);
  useEffect(() => {
    if (!socket) return;
    const load = () => {
      socket.emit("visitors:live", null, (ack: { success: boolean; visitors?: LiveVisitor[] }) => {
        if (ack?.success && ack.visitors) setVisitors(ack.visitors);
      });
    };
    const upsert = (v: LiveVisitor) =>
      setVisitors((list) => [v, ...list.filter((x) => x.visitorId !== v.visitorId)]);
    const drop = (v: LiveVisitor) => setVisitors((list) => list.filter((x) => x.visitorId !== v.visitorId));
    socket.on("connect", load);
    socket.on("visitor:online", upsert);
    socket.on("visitor:page", upsert);
    socket.on("visitor:offline", drop);
    if (socket.connected) load();
    return () => {
      socket.off("connect", load);
      socket.off("visitor:online", upsert);
      socket.off("visitor:page", upsert);
      socket.off("visitor:offline", drop);
    };
  }, [socket]);
  return visitors;
}

const scores = new Map<string, Promise<Score | null>>();

function useScore(session: StaffSession, visitorId: string): Score | null | undefined {
  const [score, setScore] = useState<Score | null | undefined>(undefined);
  useEffect(() => {
    if (!scores.has(visitorId))
      scores.set(
        visitorId,
        session.call<Score>("GET", `/v2/visitors/${visitorId}/prediction`).catch(() => null),
      );
    let alive = true;
    void scores.get(visitorId)!.then((s) => alive && setScore(s));
    return () => {
      alive = false;
    };
  }, [visitorId]);
  return score;
}

export function LiveVisitorList(props: {
  session: StaffSession;
  visitors: LiveVisitor[];
  onInvited: (chat: Chat) => void;
  onError: (err: unknown) => void;
}) {
  return (
    <div class="live-visitors">
      {props.visitors.length === 0 && <div class="empty">Nobody on the site right now.</div>}
      {props.visitors.map((v) => (
        <LiveRow key={v.visitorId} visitor={v} {...props} />
      ))}
    </div>
  );
}

function LiveRow({
  session,
  visitor,
  onInvited,
  onError,
}: {
  session: StaffSession;
  visitor: LiveVisitor;
  onInvited: (chat: Chat) => void;
  onError: (err: unknown) => void;
}) {
  const score = useScore(session, visitor.visitorId);
  const [busy, setBusy] = useState(false);
  const invite = async () => {
    const me = session.user!;
    setBusy(true);
    try {
      const created = await session.call<{ chatId: string }>("POST", "/v2/chats", {
        visitorId: visitor.visitorId,
        metadata: { source: "invite", initialUrl: visitor.url },
      });
      const chat = await session.call<Chat>("PUT", `/v2/chats/${created.chatId}/assign/${me.id}`);
      await session.call("POST", `/v2/chats/${created.chatId}/messages`, {
        content: `Hi! I'm ${me.name ?? "here"} from the team. Can I help you find anything?`,
        clientMessageId: uuid(),
      });
      onInvited(chat);
    } catch (err) {
      onError(err);
    } finally {
      setBusy(false);
    }
  };
  let path = visitor.url ?? "—";
  try {
    if (visitor.url) path = new URL(visitor.url).pathname;
  } catch {
    /* not a URL: show it as sent */
  }
  return (
    <div class="item visitor-row" data-visitor={visitor.visitorId}>
      <div class="row">
        <span class="page" title={visitor.url ?? ""}>
          {visitor.title || path}
        </span>
        <button class="invite" disabled={busy} onClick={invite}>
          Invite
        </button>
      </div>
      <div class="row">
        <small>
          <span class="who">{visitorHandle(visitor.visitorId)}</span> · {path}
        </small>
        <small class="segment">
          {score === undefined ? "…" : score ? `${score.segment} · ${Math.round(score.conversionProbability * 100)}%` : "no score"}
        </small>
      </div>
    </div>
  );
}
