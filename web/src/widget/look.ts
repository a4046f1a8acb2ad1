// The widget's look and texts, as the company set them in the console (`/api/v2/settings/visitor`):
// colour, title, position, launcher text, and a greeting in the visitor's language. The console's
// live preview uses the same functions, so what the admin sees is what the visitor gets.

import type { VisitorSettings } from "./visitorSettings";

export interface WidgetLook {
  colour: string;
  title: string;
  position: "right" | "left";
  launcher_text: string;
  greetings: Record<string, string>;
}

export const DEFAULT_LOOK: WidgetLook = {
  colour: "#2563eb",
  title: "Chat with us",
  position: "right",
  launcher_text: "",
  greetings: {},
};

const COLOUR = /^#[0-9a-fA-F]{6}$/;

/** The text for this visitor: their exact language (`es-MX`), its base (`es`), the company's
 * default language, then English, then any. */
export function inLanguage(texts: Record<string, string>, language: string, fallback = "en"): string {
  const base = language.split("-")[0];
  for (const tag of [language, base, fallback, "en"]) if (texts[tag]) return texts[tag];
  return Object.values(texts)[0] ?? "";
}

/** CSS overriding the stylesheet's colour and side; a colour that is not `#rrggbb` is ignored. */
export function lookCss(look: WidgetLook): string {
  const colour = COLOUR.test(look.colour) ? look.colour : DEFAULT_LOOK.colour;
  const side = look.position === "left" ? "left: 20px; right: auto;" : "right: 20px; left: auto;";
  return `.launcher, .panel { ${side} }
.launcher, .head, .mine, button.send, .rate button.again { background: ${colour}; }
.card a, .source, .actions button, .rate button.transcript-send { color: ${colour}; }
.launcher.text { width: auto; min-width: 58px; border-radius: 29px; padding: 0 18px; font-size: 15px; }
.greeting { align-self: flex-start; background: #e5e7eb; }`;
}

export interface Look extends WidgetLook {
  greeting: string;
}

/** Reads the company's widget settings with the visitor's credential; the defaults on failure. */
export async function loadLook(fetchSettings: () => Promise<VisitorSettings>, language: string): Promise<Look> {
  try {
    const reply = await fetchSettings();
    const look = { ...DEFAULT_LOOK, ...(reply.sections.widget ?? {}) };
    const fallback = reply.sections.company?.default_language ?? "en";
    return { ...look, greeting: inLanguage(look.greetings, language, fallback) };
  } catch {
    return { ...DEFAULT_LOOK, greeting: "" };
  }
}
