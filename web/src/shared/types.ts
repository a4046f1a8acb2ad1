// Shapes of the public API (see docs/api.md and docs/realtime.md) the pages rely on.

export interface Sender {
  id: string;
  name: string | null;
  role: "visitor" | "commercial" | "ai" | "system";
}

export interface Message {
  id: string;
  messageId: string;
  chatId: string;
  sender: Sender;
  content: string;
  type: string;
  isInternal: boolean;
  isAI: boolean;
  metadata: Record<string, unknown>;
  sentAt: string;
  clientMessageId?: string | null;
  seq?: number;
  pending?: boolean;
  failed?: boolean;
}

export interface Chat {
  id: string;
  status: string;
  priority: string;
  visitorId: string;
  visitorInfo: { name?: string | null; email?: string | null };
  assignedCommercialId: string | null;
  assignedCommercial: { id: string; name: string | null } | null;
  metadata: { department?: string | null; source?: string | null; initialUrl?: string | null };
  createdAt: string;
  lastMessageDate: string | null;
  lastMessagePreview: string | null;
  totalMessages: number;
  position?: number;
  satisfactionRating?: number | null;
  resolution?: string | null;
}

/** Adds or replaces by message id (and by the sender's clientMessageId): no duplicates, ever. */
export function mergeMessage(list: Message[], m: Message): Message[] {
  const i = list.findIndex(
    (x) => x.id === m.id || (!!m.clientMessageId && x.clientMessageId === m.clientMessageId),
  );
  if (i === -1) return [...list, m].sort((a, b) => a.sentAt.localeCompare(b.sentAt));
  const next = list.slice();
  next[i] = { ...m, pending: false, failed: false };
  return next;
}

export function clock(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}
