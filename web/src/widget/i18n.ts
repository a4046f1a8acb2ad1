// The widget's texts in the visitor's language: the page's `lang` first, then the browser's.
// Each language is one JSON file in ./i18n/ (en.json, es.json): a third language is a new file
// with the same keys, picked up at build time; a key it lacks falls back to English.

type Texts = Record<string, string>;

declare global {
  interface ImportMeta {
    glob<T>(pattern: string, options: { eager: true; import: "default" }): Record<string, T>;
  }
}

const FILES = import.meta.glob<Texts>("./i18n/*.json", { eager: true, import: "default" });

export const CATALOGUE: Record<string, Texts> = Object.fromEntries(
  Object.entries(FILES).map(([path, texts]) => [path.replace(/^.*\/(.+)\.json$/, "$1"), texts]),
);

const FALLBACK = "en";

/** The best language we have for a tag: "es-MX" -> "es"; none -> null. */
export function supported(tag: string | null | undefined): string | null {
  if (!tag) return null;
  const lower = tag.trim().toLowerCase();
  if (CATALOGUE[lower]) return lower;
  const base = lower.split("-")[0];
  return CATALOGUE[base] ? base : null;
}

/** The page's lang attribute, then the browser's languages, then English. */
export function pickLanguage(
  pageLang: string | null | undefined = document.documentElement.lang,
  browser: readonly string[] = navigator.languages?.length ? navigator.languages : [navigator.language],
): string {
  return supported(pageLang) ?? browser.map(supported).find((l) => l !== null) ?? FALLBACK;
}

export type Translate = (key: string, vars?: Record<string, string | number>) => string;

export function translator(language: string): Translate {
  const texts = CATALOGUE[language] ?? CATALOGUE[FALLBACK];
  return (key, vars) => {
    let text = texts[key] ?? CATALOGUE[FALLBACK][key] ?? key;
    for (const [name, value] of Object.entries(vars ?? {})) text = text.split(`{${name}}`).join(String(value));
    return text;
  };
}

/** A company text per language ({"en": ..., "es": ...}) in the visitor's language. */
export function perLanguage(texts: Record<string, string> | undefined, language: string): string | null {
  if (!texts) return null;
  return texts[language] ?? texts[language.split("-")[0]] ?? texts[FALLBACK] ?? Object.values(texts)[0] ?? null;
}

/** "at 09:00" today, "tomorrow at 09:00", else the weekday and time, in the visitor's locale. */
export function whenBack(iso: string, language: string, now: Date = new Date()): string {
  const at = new Date(iso);
  const time = at.toLocaleTimeString(language, { hour: "2-digit", minute: "2-digit" });
  const days = Math.round((startOfDay(at) - startOfDay(now)) / 86_400_000);
  const t = translator(language);
  if (days <= 0) return t("when.today", { time });
  if (days === 1) return t("when.tomorrow", { time });
  const day = at.toLocaleDateString(language, { weekday: "long", day: "numeric", month: "long" });
  return t("when.later", { day, time });
}

function startOfDay(d: Date): number {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}
