import { describe, expect, it } from "vitest";
import { axisLabel, span, toCsv } from "./axis";

describe("the time axis", () => {
  it("labels four live minutes with the hour, not as minutes and seconds", () => {
    const start = new Date(2026, 11, 6, 17, 17, 38);
    const end = new Date(2026, 11, 6, 17, 21, 18);
    const s = (end.getTime() - start.getTime()) / 1000;
    expect(axisLabel(start, s, "en-GB")).toBe("17:17:38");
    expect(axisLabel(end, s, "en-GB")).toBe("17:21:18");
  });

  it("drops seconds over an hour and adds the date over a day", () => {
    const at = new Date(2026, 11, 6, 9, 5, 0);
    expect(axisLabel(at, 7200, "en-GB")).toBe("09:05");
    expect(axisLabel(at, 7 * 86400, "en-GB")).toContain("Dec");
  });

  it("measures the span of the points", () => {
    expect(span([])).toBe(0);
    expect(span(["2026-12-06T17:17:38Z", "2026-12-06T17:21:18Z"])).toBe(220);
  });
});

describe("CSV export", () => {
  it("quotes, escapes and defuses formulas", () => {
    expect(toCsv(["a", "b"], [["x,y", 'say "hi"'], ["=cmd()", -3], [null, 1.5]])).toBe(
      'a,b\r\n"x,y","say ""hi"""\r\n\'=cmd(),-3\r\n,1.5\r\n',
    );
  });
});
