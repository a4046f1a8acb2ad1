// The visitor's session: kept across reloads, renewed before expiry, and the lastSeq a reconnect
// resumes from. The browser's localStorage, location, navigator and fetch are stubbed.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type Handshake, VisitorSession } from "./session";

class MemoryStorage {
  items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, String(value));
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

interface Call {
  path: string;
  body: Record<string, unknown>;
}

let storage: MemoryStorage;
let calls: Call[];
let replies: Array<{ status: number; body: Record<string, unknown> }>;

function tokens(n: number, extra: Record<string, unknown> = {}) {
  return { accessToken: `access-${n}`, refreshToken: `refresh-${n}`, expiresIn: 3600, ...extra };
}

beforeEach(() => {
  storage = new MemoryStorage();
  calls = [];
  replies = [];
  vi.stubGlobal("localStorage", storage);
  vi.stubGlobal("location", { hostname: "shop.example", href: "https://shop.example/p" });
  vi.stubGlobal("navigator", { userAgent: "vitest" });
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init: { body?: string }) => {
      calls.push({ path: new URL(url).pathname, body: JSON.parse(init.body ?? "{}") });
      const reply = replies.shift() ?? { status: 500, body: { error: "no_reply", message: "none" } };
      return new Response(JSON.stringify(reply.body), { status: reply.status });
    }),
  );
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe("VisitorSession", () => {
  it("registers once with the site key and the page's domain, then reuses the token", async () => {
    replies.push({ status: 200, body: tokens(1, { visitorId: "v1", sessionId: "s1" }) });
    const session = new VisitorSession("https://chat.example", "site-key");
    const [a, b] = await Promise.all([session.token(), session.token()]);
    expect(a).toBe("access-1");
    expect(b).toBe("access-1");
    expect(await session.token()).toBe("access-1");
    expect(calls).toHaveLength(1);
    expect(calls[0].path).toBe("/api/auth/visitor/register");
    expect(calls[0].body).toMatchObject({ apiKey: "site-key", domain: "shop.example" });
    expect(session.visitorId).toBe("v1");
  });

  it("is restored by a reload: same visitor, chat and lastSeq, no new registration", async () => {
    replies.push({ status: 200, body: tokens(1, { visitorId: "v1" }) });
    const first = new VisitorSession("https://chat.example", "site-key");
    await first.token();
    first.chatId = "c1";
    first.seen(7);

    const reloaded = new VisitorSession("https://chat.example", "site-key");
    expect(reloaded.visitorId).toBe("v1");
    expect(reloaded.chatId).toBe("c1");
    expect(reloaded.lastSeq).toBe(7);
    expect(await reloaded.token()).toBe("access-1");
    expect(calls).toHaveLength(1);
    // another site's widget on the same page is another visitor
    expect(new VisitorSession("https://chat.example", "other-key").visitorId).toBeNull();
  });

  it("refreshes a minute before expiry and keeps the visitor, chat and lastSeq", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    replies.push({ status: 200, body: tokens(1, { visitorId: "v1", expiresIn: 120 }) });
    const session = new VisitorSession("https://chat.example", "site-key");
    await session.token();
    session.chatId = "c1";
    session.seen(3);
    vi.advanceTimersByTime(59_000);
    expect(await session.token()).toBe("access-1");
    vi.advanceTimersByTime(2_000);
    replies.push({ status: 200, body: tokens(2) });
    expect(await session.token()).toBe("access-2");
    expect(calls.map((c) => c.path)).toEqual([
      "/api/auth/visitor/register",
      "/api/auth/visitor/refresh",
    ]);
    expect(calls[1].body).toEqual({ refreshToken: "refresh-1" });
    expect([session.visitorId, session.chatId, session.lastSeq]).toEqual(["v1", "c1", 3]);
  });

  it("registers anew when the refresh token is refused", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    replies.push({ status: 200, body: tokens(1, { visitorId: "v1", expiresIn: 30 }) });
    const session = new VisitorSession("https://chat.example", "site-key");
    await session.token();
    replies.push({ status: 401, body: { error: "unauthenticated", message: "expired" } });
    replies.push({ status: 200, body: tokens(2, { visitorId: "v2" }) });
    expect(await session.token()).toBe("access-2");
    expect(session.visitorId).toBe("v2");
  });

  it("keeps a token it has when the server cannot be reached for a refresh", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    replies.push({ status: 200, body: tokens(1, { visitorId: "v1", expiresIn: 30 }) });
    const session = new VisitorSession("https://chat.example", "site-key");
    await session.token();
    vi.mocked(fetch).mockRejectedValueOnce(new TypeError("offline"));
    await expect(session.token()).rejects.toMatchObject({ status: 0, code: "network" });
    expect(session.visitorId).toBe("v1"); // not replaced by a new registration
  });
});

describe("resume after a reconnect", () => {
  it("keeps the highest seq seen, so a reconnect resumes exactly after it", async () => {
    replies.push({ status: 200, body: tokens(1, { visitorId: "v1" }) });
    const session = new VisitorSession("https://chat.example", "site-key");
    const first: Handshake = await session.handshake("https://shop.example/p", "Shop");
    expect(first).toEqual({
      token: "access-1",
      lastSeq: 0,
      currentUrl: "https://shop.example/p",
      title: "Shop",
    });
    for (const seq of [5, 9, undefined, "12", 7]) session.seen(seq);
    expect(session.lastSeq).toBe(9); // an older event replayed late does not move it back
    const again = await session.handshake("https://shop.example/q", "Shop");
    expect(again.lastSeq).toBe(9);
    expect(again.currentUrl).toBe("https://shop.example/q");
    // and a reload resumes from the same place
    const reloaded = new VisitorSession("https://chat.example", "site-key");
    expect((await reloaded.handshake("https://shop.example/p", "Shop")).lastSeq).toBe(9);
  });

  it("works without storage (blocked): the session lives for the page", async () => {
    vi.stubGlobal("localStorage", {
      getItem: () => {
        throw new Error("blocked");
      },
      setItem: () => {
        throw new Error("blocked");
      },
    });
    replies.push({ status: 200, body: tokens(1, { visitorId: "v1" }) });
    const session = new VisitorSession("https://chat.example", "site-key");
    expect(await session.token()).toBe("access-1");
    session.seen(4);
    expect((await session.handshake("u", "t")).lastSeq).toBe(4);
  });
});
