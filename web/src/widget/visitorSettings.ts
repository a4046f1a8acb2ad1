// The company's settings the widget may read (GET /v2/settings/visitor): texts per language,
// the AI disclosure, business hours. Read once per page; the widget works without them.

import { useEffect, useState } from "preact/hooks";

export interface VisitorSettings {
  sections: {
    bot?: { enabled?: boolean; disclosure?: Record<string, string>; welcome?: Record<string, string> };
    widget?: { greetings?: Record<string, string>; title?: string };
    [name: string]: unknown;
  };
}

type Call = <T>(method: string, path: string, body?: unknown) => Promise<T>;

export function useVisitorSettings(call: Call, live: boolean): VisitorSettings | null {
  const [settings, setSettings] = useState<VisitorSettings | null>(null);
  useEffect(() => {
    if (!live || settings) return;
    call<VisitorSettings>("GET", "/v2/settings/visitor").then(setSettings, () => undefined);
  }, [live]);
  return settings;
}
