import { describe, expect, it } from "vitest";
import { nobodyOnline, validEmail } from "./EmailCapture";
import type { Message } from "../shared/types";

const message = (metadata: Record<string, unknown>): Message =>
  ({
    id: "m",
    chatId: "c",
    sender: { id: "", name: null, role: "system" },
    content: "",
    type: "text",
    metadata,
    sentAt: "2026-12-07T00:00:00Z",
  }) as unknown as Message;

describe("the e-mail line", () => {
  it("takes plain addresses only", () => {
    expect(validEmail("vera@example.org")).toBe(true);
    expect(validEmail(" vera@example.org ")).toBe(true);
    for (const bad of ["vera", "vera@", "@example.org", "ve ra@example.org", "v@localhost", `${"a".repeat(250)}@b.co`]) {
      expect(validEmail(bad)).toBe(false);
    }
  });

  it("is offered when a message says nobody can answer now", () => {
    expect(nobodyOnline([message({})])).toBe(false);
    expect(nobodyOnline([message({}), message({ isEscalationPending: true })])).toBe(true);
    expect(nobodyOnline([message({ agentsOffline: true })])).toBe(true);
  });
});
