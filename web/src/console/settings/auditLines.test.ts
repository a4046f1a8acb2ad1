import { describe, expect, it } from "vitest";
import { lines, plain, type LoggedEvent } from "./auditLines";

const fact = (type: string, payload: Record<string, unknown>): LoggedEvent => ({
  seq: 1,
  type,
  payload,
  actor: { id: null, type: "system" },
  occurredAt: "2026-12-07T08:54:16Z",
});

describe("the audit's lines", () => {
  it("show a created member's fields as text, without ids or JSON", () => {
    const rows = lines(fact("staff.created", { user_id: "1de968a6", email: "olga@demo.guiders.local", role: "admin" }));
    expect(rows).toEqual([
      { key: "email", text: "olga@demo.guiders.local" },
      { key: "role", text: "admin" },
    ]);
  });
  it("show only what changed, before and after", () => {
    const rows = lines(
      fact("site.origins_changed", {
        site_id: "s",
        before: { domain: "shop.example", aliases: ["a.example"] },
        after: { domain: "shop.example", aliases: ["a.example", "b.example"] },
      }),
    );
    expect(rows).toEqual([{ key: "aliases", text: "a.example → a.example, b.example" }]);
  });
  it("follow a settings change's own list of changed fields", () => {
    const rows = lines(fact("settings.changed", { section: "widget", changed: ["title"], before: { title: "Hi" }, after: { title: "Hello" } }));
    expect(rows).toEqual([{ key: "title", text: "Hi → Hello" }]);
  });
  it("write a text per language as language: text", () => {
    expect(plain({ en: "Hi", es: "Hola" })).toBe("en: Hi; es: Hola");
    expect(plain({})).toBe("—");
  });
  it("write nothing as a dash and yes/no for flags", () => {
    expect([plain(null), plain(undefined), plain(""), plain([]), plain(true), plain(false), plain(3)]).toEqual(["—", "—", "—", "—", "yes", "no", "3"]);
  });
});
