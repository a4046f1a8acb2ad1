// The company's settings the widget may read (GET /v2/settings/visitor): texts per language,
// the AI disclosure, business hours, and the widget's look. One request per opening feeds both
// the look (look.ts) and the settings; the widget works without them.

import { useEffect, useState } from "preact/hooks";

import { loadLook, type Look, type WidgetLook } from "./look";

export interface VisitorSettings {
  sections: {
    bot?: { enabled?: boolean; disclosure?: Record<string, string>; welcome?: Record<string, string> };
    widget?: Partial<WidgetLook>;
    company?: { default_language?: string };
    [name: string]: unknown;
  };
}

type Call = <T>(method: string, path: string, body?: unknown) => Promise<T>;

export interface CompanyView {
  /** The settings as last read; kept when a later read fails. */
  settings: VisitorSettings | null;
  /** The look and greeting, the defaults when the read failed. */
  look: Look | null;
}

/** Reads the settings on mount and again on every opening (`open` changing), once each time. */
export function useVisitorSettings(call: Call, open: boolean, language: string): CompanyView {
  const [settings, setSettings] = useState<VisitorSettings | null>(null);
  const [look, setLook] = useState<Look | null>(null);
  useEffect(() => {
    const fetched = call<VisitorSettings>("GET", "/v2/settings/visitor");
    fetched.then(setSettings, () => undefined);
    void loadLook(() => fetched, language).then(setLook);
  }, [open]);
  return { settings, look };
}
