// The message list the widget and the console show: merged without duplicates, and the local
// messages (a draft being sent, a nurturing card) in the same shape as the server's.

import type { Message, Sender } from "./types";

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

/** A message made on this page, filled in as the server would send it. */
export function localMessage(m: {
  id: string;
  chatId: string;
  sender: Sender;
  content: string;
  type: Message["type"];
  metadata: Record<string, unknown>;
  sentAt: string;
  clientMessageId?: string | null;
  pending?: boolean;
}): Message {
  return {
    messageId: m.id,
    senderId: m.sender.id,
    senderName: m.sender.name,
    senderType: m.sender.role,
    isInternal: false,
    isAI: false,
    aiMetadata: null,
    timestamp: m.sentAt,
    createdAt: m.sentAt,
    readAt: null,
    clientMessageId: null,
    ...m,
  };
}
