// The visitor's e-mail for the chat (issue 17): an optional, validated address with a consent
// line, shown when nobody can answer now (a "queued"/"agents offline" message) or when the
// visitor asks for it; a transcript button; and the e-mailed link that resumes the chat.
// The consent line's exact words, in the visitor's language, are sent with the answer and
// recorded with its time (what was recorded is what the visitor read).

import { useState } from "preact/hooks";
import { ApiError } from "../shared/http";
import type { Message } from "../shared/types";
import type { Translate } from "./i18n";

const EMAIL = /^[^@\s<>"(),;:\\[\]]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,63}$/;
export const LINK_KEY = "guiders-chat";

type Call = <T>(method: string, path: string, body?: unknown) => Promise<T>;

/** A message that says nobody can answer now: the moment to offer the e-mail line. */
export function nobodyOnline(messages: Message[]): boolean {
  return messages.some((m) => {
    const meta = m.metadata || {};
    return meta.isEscalationPending === true || meta.agentsOffline === true || meta.askEmail === true;
  });
}

export function validEmail(value: string): boolean {
  return value.length <= 254 && EMAIL.test(value.trim());
}

interface CaptureProps {
  call: Call;
  t: Translate;
  chatId: string | null;
  onDone: (outcome: "saved" | "declined") => void;
}

export function EmailCapture({ call, t, chatId, onDone }: CaptureProps) {
  const consentText = t("email.consent");
  const [email, setEmail] = useState("");
  const [agreed, setAgreed] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const answer = async (consent: boolean) => {
    if (consent && !validEmail(email)) {
      setProblem(t("email.badAddress"));
      return;
    }
    if (consent && !agreed) {
      setProblem(t("email.needConsent"));
      return;
    }
    setBusy(true);
    try {
      await call("POST", "/v2/visitors/me/email", {
        email: consent ? email.trim() : null,
        consent,
        consentText,
        language: (document.documentElement.lang || navigator.language || "").slice(0, 20) || null,
        chatId,
      });
      onDone(consent ? "saved" : "declined");
    } catch (err) {
      setProblem(err instanceof ApiError ? err.message : t("email.failed"));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      class="email-capture"
      aria-label={t("email.form")}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void answer(true);
      }}
    >
      <div class="email-title">{t("email.title")}</div>
      <input
        type="email"
        name="email"
        value={email}
        placeholder="you@example.com"
        aria-label={t("email.label")}
        maxLength={254}
        onInput={(e) => setEmail((e.target as HTMLInputElement).value)}
      />
      <label class="consent">
        <input
          type="checkbox"
          name="consent"
          checked={agreed}
          onChange={(e) => setAgreed((e.target as HTMLInputElement).checked)}
        />
        <span>{consentText}</span>
      </label>
      {problem && <div class="error">{problem}</div>}
      <div class="actions">
        <button type="submit" class="email-save" disabled={busy}>
          {t("email.save")}
        </button>
        <button type="button" class="email-skip" disabled={busy} onClick={() => void answer(false)}>
          {t("email.skip")}
        </button>
      </div>
    </form>
  );
}

/** Sends the chat so far to the visitor's address (their consent needed). */
export function TranscriptButton({ call, t, chatId, onNeedEmail }: { call: Call; t: Translate; chatId: string | null; onNeedEmail: () => void }) {
  const [note, setNote] = useState<string | null>(null);
  const send = async () => {
    if (!chatId) return;
    try {
      await call("POST", `/v2/chats/${chatId}/transcript`);
      setNote(t("transcript.sent"));
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        setNote(null);
        onNeedEmail();
      } else if (err instanceof ApiError && err.status === 429) setNote(t("transcript.pending"));
      else setNote(t("transcript.failed"));
    }
  };
  return (
    <span class="transcript">
      <button type="button" class="transcript-send" disabled={!chatId} onClick={() => void send()}>
        {t("transcript.send")}
      </button>
      {note && <small class="transcript-note">{note}</small>}
    </span>
  );
}

/** The e-mailed link's token (``#guiders-chat=...``), if the page was opened from one. */
export function linkToken(): string | null {
  const match = location.hash.match(new RegExp(`${LINK_KEY}=([A-Za-z0-9._-]{10,200})`));
  return match ? match[1] : null;
}

/** The token leaves the address bar (and the history) once used. */
export function forgetLinkToken(): void {
  try {
    history.replaceState(history.state, "", location.pathname + location.search);
  } catch {
    /* a sandboxed page: nothing to clean */
  }
}
