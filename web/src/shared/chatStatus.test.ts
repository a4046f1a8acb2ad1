import { describe, expect, it } from "vitest";
import { priorityLabel, statusLabel } from "./chatStatus";

describe("a chat's status", () => {
  it("is a word a person reads, for every value the API sends", () => {
    expect(statusLabel("PENDING")).toBe("Waiting");
    expect(statusLabel("ASSIGNED")).toBe("Assigned");
    expect(statusLabel("ACTIVE")).toBe("Active");
    expect(statusLabel("TRANSFERRED")).toBe("Transferred");
    expect(statusLabel("CLOSED")).toBe("Closed");
    expect(statusLabel("ABANDONED")).toBe("Abandoned");
  });
  it("is never shown in capitals, even for a status this build does not know", () => {
    expect(statusLabel("ON_HOLD")).toBe("On hold");
    expect(statusLabel("")).toBe("");
  });
});

describe("a chat's priority", () => {
  it("is a word, not the API's capitals", () => {
    expect(priorityLabel("LOW")).toBe("Low");
    expect(priorityLabel("NORMAL")).toBe("Normal");
    expect(priorityLabel("HIGH")).toBe("High");
    expect(priorityLabel("URGENT")).toBe("Urgent");
  });
});
