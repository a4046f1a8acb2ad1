// De-duplication of the message list: the same message from the POST reply, the socket, a replay
// after a reconnect and a reload of the page is shown once.

import { describe, expect, it } from "vitest";
import { localMessage, mergeMessage } from "./messages";
import type { Message } from "./types";

function server(id: string, sentAt: string, clientMessageId: string | null = null): Message {
  return localMessage({
    id,
    chatId: "c1",
    sender: { id: "v1", name: null, role: "visitor" },
    content: `text of ${id}`,
    type: "text",
    metadata: {},
    sentAt,
    clientMessageId,
  });
}

const T1 = "2026-01-01T10:00:01+00:00";
const T2 = "2026-01-01T10:00:02+00:00";
const T3 = "2026-01-01T10:00:03+00:00";

describe("mergeMessage", () => {
  it("adds a message once, however often it arrives", () => {
    let list: Message[] = [];
    for (const m of [server("a", T1), server("b", T2), server("a", T1), server("b", T2)]) {
      list = mergeMessage(list, m);
    }
    expect(list.map((m) => m.id)).toEqual(["a", "b"]);
  });

  it("replaces a pending draft by the stored message with its clientMessageId", () => {
    const draft = localMessage({
      id: "cm-1",
      chatId: "c1",
      sender: { id: "v1", name: null, role: "visitor" },
      content: "hello",
      type: "text",
      metadata: {},
      sentAt: T2,
      clientMessageId: "cm-1",
      pending: true,
    });
    let list = mergeMessage([], draft);
    expect(list[0].pending).toBe(true);
    // the socket's message:new may come before the POST's reply: both land on the draft
    list = mergeMessage(list, server("m-1", T2, "cm-1"));
    list = mergeMessage(list, server("m-1", T2, "cm-1"));
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: "m-1", pending: false, failed: false });
  });

  it("keeps the list in the order the messages were sent, whatever the order of arrival", () => {
    // a replay after a reconnect brings older messages after newer live ones
    let list = mergeMessage([], server("live", T3));
    list = mergeMessage(list, server("missed-1", T1));
    list = mergeMessage(list, server("missed-2", T2));
    expect(list.map((m) => m.id)).toEqual(["missed-1", "missed-2", "live"]);
  });

  it("does not take messages without a clientMessageId for the same one", () => {
    let list = mergeMessage([], server("a", T1));
    list = mergeMessage(list, server("b", T2));
    expect(list).toHaveLength(2);
  });
});

describe("localMessage", () => {
  it("has every field of the server's message shape", () => {
    const m = localMessage({
      id: "x",
      chatId: "c1",
      sender: { id: "", name: null, role: "system" },
      content: "Guide",
      type: "system",
      metadata: { nurturing: true },
      sentAt: T1,
    });
    expect(m).toMatchObject({
      messageId: "x",
      senderType: "system",
      timestamp: T1,
      createdAt: T1,
      isInternal: false,
      isAI: false,
      clientMessageId: null,
      readAt: null,
    });
  });
});
