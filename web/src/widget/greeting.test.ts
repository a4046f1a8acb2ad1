import { describe, expect, it } from "vitest";
import type { Message } from "../shared/types";
import { shownGreeting, withOneWelcome } from "./greeting";

const message = (id: string, metadata: Record<string, unknown> = {}): Message =>
  ({
    id,
    chatId: "c",
    sender: { id: "bot", name: "Guiders AI", role: "ai" },
    content: id,
    type: "ai-response",
    metadata,
    sentAt: "2026-12-07T00:00:00Z",
  }) as unknown as Message;

describe("one greeting", () => {
  it("shows the widget's greeting until the bot welcomes", () => {
    expect(shownGreeting("Hi! How can we help?", [])).toBe("Hi! How can we help?");
    expect(shownGreeting("Hi! How can we help?", [message("answer")])).toBe("Hi! How can we help?");
    expect(shownGreeting("Hi! How can we help?", [message("welcome", { isWelcome: true })])).toBe("");
    expect(shownGreeting("", [])).toBe("");
    expect(shownGreeting(undefined, [])).toBe("");
  });

  it("keeps the first bot welcome only", () => {
    const list = [
      message("w1", { isWelcome: true }),
      message("q"),
      message("w2", { isWelcome: true }),
      message("a"),
    ];
    expect(withOneWelcome(list).map((m) => m.id)).toEqual(["w1", "q", "a"]);
    expect(withOneWelcome([message("q")]).map((m) => m.id)).toEqual(["q"]);
  });
});
