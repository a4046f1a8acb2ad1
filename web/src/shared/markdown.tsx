// A safe subset of Markdown for chat messages, in the widget and the console alike:
// **bold**, *italics*, lists, and links (http, https, mailto) that open in a new tab with
// rel="noopener noreferrer". Everything else stays text.
//
// markdown-it parses (HTML disabled, only the rules above enabled); its tokens are turned into
// Preact elements here, never into an HTML string: no innerHTML anywhere, so a <script>, an
// onerror attribute or a javascript: link in a message can only ever be shown as text.

import MarkdownIt from "markdown-it";
import type { Token } from "markdown-it";
import type { ComponentChildren } from "preact";

const parser = new MarkdownIt("zero", { html: false, linkify: false, breaks: true }).enable([
  "list",
  "emphasis",
  "link",
  "newline",
  "escape",
]);

const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);
const TAGS: Record<string, Node["tag"]> = {
  paragraph: "p",
  bullet_list: "ul",
  ordered_list: "ol",
  list_item: "li",
  strong: "strong",
  em: "em",
  link: "a",
};

/** An element of the rendered message: one of a few tags, or text. */
export interface Node {
  tag: "p" | "ul" | "ol" | "li" | "strong" | "em" | "a" | "br";
  href?: string;
  start?: number;
  children: (Node | string)[];
}

/** The link's URL when it is one we let through (absolute http, https or mailto), else null. */
export function safeHref(raw: string | null | undefined): string | null {
  if (!raw) return null;
  try {
    const url = new URL(raw);
    return SAFE_PROTOCOLS.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

/** The message as a tree of allowed elements and text (exported for the tests). */
export function toTree(text: string): (Node | string)[] {
  const root: Node = { tag: "p", children: [] };
  const stack: Node[] = [root];
  const walk = (tokens: Token[]) => {
    for (const token of tokens) {
      const top = stack[stack.length - 1];
      const kind = token.type.replace(/_(open|close)$/, "");
      if (token.type === "inline") walk(token.children ?? []);
      else if (token.hidden) continue; // a tight list's paragraphs
      else if (token.type === "text") {
        if (token.content) top.children.push(token.content);
      }
      else if (token.type === "softbreak" || token.type === "hardbreak") top.children.push({ tag: "br", children: [] });
      else if (token.nesting === 1 && TAGS[kind]) {
        const node: Node = { tag: TAGS[kind], children: [] };
        if (kind === "link") node.href = safeHref(String(token.attrGet("href") ?? "")) ?? undefined;
        if (kind === "ordered_list") {
          const start = Number(token.attrGet("start") ?? 1);
          if (Number.isInteger(start) && start > 1 && start < 1e6) node.start = start;
        }
        top.children.push(node);
        stack.push(node);
      } else if (token.nesting === -1 && TAGS[kind] && stack.length > 1) stack.pop();
      else if (token.content) top.children.push(token.content);
      else if (token.markup) top.children.push(token.markup);
    }
  };
  walk(parser.parse(text, {}));
  return root.children;
}

function render(nodes: (Node | string)[]): ComponentChildren {
  return nodes.map((n, i) => {
    if (typeof n === "string") return n;
    const children = render(n.children);
    switch (n.tag) {
      case "br":
        return <br key={i} />;
      case "a":
        return n.href ? (
          <a key={i} href={n.href} target="_blank" rel="noopener noreferrer nofollow">
            {children}
          </a>
        ) : (
          <span key={i}>{children}</span>
        );
      case "ol":
        return (
          <ol key={i} start={n.start}>
            {children}
          </ol>
        );
      default: {
        const Tag = n.tag;
        return <Tag key={i}>{children}</Tag>;
      }
    }
  });
}

/** A chat message's text, formatted: the one way both apps show what people wrote. */
export function Markdown({ text, class: cls = "text md" }: { text: string; class?: string }) {
  return <div class={cls}>{render(toTree(text))}</div>;
}
