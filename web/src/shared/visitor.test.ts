import { describe, expect, it } from "vitest";
import { visitorHandle, visitorLabel } from "./visitor";

// The same examples as tests/unit/domain/test_visitor_identity.py.
const EXAMPLES: Record<string, string> = {
  "00000000-0000-4000-8000-000000000000": "Visitor 1000",
  "ffffffff-0000-4000-8000-000000000000": "Visitor 6295",
  "3f2a9c1e-7b4d-4e8a-9c3f-1a2b3c4d5e6f": "Visitor 8086",
};

describe("a visitor's name", () => {
  it("is the same handle as the server's", () => {
    for (const [id, handle] of Object.entries(EXAMPLES)) expect(visitorHandle(id)).toBe(handle);
  });
  it("prefers the name, then the e-mail", () => {
    const id = "3f2a9c1e-7b4d-4e8a-9c3f-1a2b3c4d5e6f";
    expect(visitorLabel(id, { name: " Ana ", email: "a@x.com" })).toBe("Ana");
    expect(visitorLabel(id, { name: null, email: "a@x.com" })).toBe("a@x.com");
    expect(visitorLabel(id, null)).toBe("Visitor 8086");
  });
});
