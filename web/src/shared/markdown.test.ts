import { describe, expect, it } from "vitest";
import { safeHref, toTree } from "./markdown";

const flat = (nodes: unknown): string => JSON.stringify(nodes);

describe("the safe Markdown subset", () => {
  it("formats bold, italics, lists and links", () => {
    expect(toTree("**bold** and *it*")).toEqual([
      { tag: "p", children: [{ tag: "strong", children: ["bold"] }, " and ", { tag: "em", children: ["it"] }] },
    ]);
    expect(toTree("- a\n- b")).toEqual([
      {
        tag: "ul",
        children: [
          { tag: "li", children: ["a"] },
          { tag: "li", children: ["b"] },
        ],
      },
    ]);
    expect(toTree("[docs](https://example.com/a?b=1)")).toEqual([
      { tag: "p", children: [{ tag: "a", href: "https://example.com/a?b=1", children: ["docs"] }] },
    ]);
  });

  it("keeps HTML and script as text", () => {
    const text = '<script>alert(1)</script><img src=x onerror="alert(2)">';
    expect(toTree(text)).toEqual([{ tag: "p", children: [text] }]);
  });

  it("never lets a javascript:, data: or relative link through", () => {
    for (const bad of ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<b>x</b>", "vbscript:x", "/relative"]) {
      expect(flat(toTree(`[x](${bad})`))).not.toContain('"href"');
      expect(safeHref(bad)).toBeNull();
    }
    expect(safeHref("mailto:a@b.c")).toBe("mailto:a@b.c");
  });

  it("leaves headings, code, images and tables as text", () => {
    const tree = flat(toTree("# title\n\n`code` ![i](https://x/y.png) | a |"));
    for (const tag of ["h1", "code", "img", "table"]) expect(tree).not.toContain(`"tag":"${tag}"`);
    expect(tree).toContain("# title");
  });
});
