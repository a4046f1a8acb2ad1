// EU AI Act art. 50: before the first AI message the visitor is told they talk to an AI system
// (the company's text for their language, bot.disclosure), and the text shown is recorded as an
// event (POST /v2/chats/{id}/ai-disclosure, once per chat). Each AI message carries a label.

import { useEffect, useRef } from "preact/hooks";
import type { Translate } from "./i18n";

type Call = <T>(method: string, path: string, body?: unknown) => Promise<T>;

export function Disclosure({
  text,
  language,
  chatId,
  call,
}: {
  text: string | null;
  language: string;
  chatId: string | null;
  call: Call;
}) {
  const recorded = useRef<string | null>(null);
  useEffect(() => {
    if (!text || !chatId || recorded.current === chatId) return;
    recorded.current = chatId;
    call("POST", `/v2/chats/${chatId}/ai-disclosure`, { language, text }).catch(() => {
      recorded.current = null; // try again with the next render
    });
  }, [text, chatId]);
  if (!text) return null;
  return (
    <div class="disclosure" role="note">
      {text}
    </div>
  );
}

export function AiLabel({ t }: { t: Translate }) {
  return (
    <span class="ai-label" title={t("ai.labelTitle")}>
      {t("ai.label")}
    </span>
  );
}
