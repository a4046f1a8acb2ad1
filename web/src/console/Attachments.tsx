// The console's side of attachments: a message's file shown in place of its text, and the
// paperclip that sends an image or a PDF to the visitor (web/src/shared/attachments.tsx).

import { useState } from "preact/hooks";
import { ACCEPT, AttachmentView, attachmentOf, uploadFile } from "../shared/attachments";
import { Markdown } from "../shared/markdown";
import type { StaffSession } from "../shared/staff";
import type { Message } from "../shared/types";

export function MessageBody({ m, session }: { m: Message; session: StaffSession }) {
  const file = attachmentOf(m);
  if (!file) return <Markdown text={m.content} />;
  return <AttachmentView info={file} base={session.base} token={() => session.token()} />;
}

interface AttachProps {
  session: StaffSession;
  chatId: string;
  onSent: (m: Message) => void;
  onError: (err: unknown) => void;
}

export function AttachButton({ session, chatId, onSent, onError }: AttachProps) {
  const [busy, setBusy] = useState(false);
  const pick = async (input: HTMLInputElement) => {
    const file = input.files?.[0];
    input.value = "";
    if (!file) return;
    setBusy(true);
    try {
      onSent(await uploadFile(session.base, await session.token(), chatId, file));
    } catch (err) {
      onError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <label class="attach" title="Attach an image or a PDF" style="position:relative;cursor:pointer;padding:0 6px;align-self:center;display:flex">
      {busy ? "…" : (
        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
          <path d="M21 11.5l-8.5 8.5a5 5 0 0 1-7.1-7.1l8.5-8.5a3.5 3.5 0 0 1 5 5l-8.5 8.5a2 2 0 0 1-2.8-2.8l7.8-7.8" />
        </svg>
      )}
      <input
        type="file"
        aria-label="Attach a file"
        accept={ACCEPT}
        style="position:absolute;width:1px;height:1px;opacity:0;overflow:hidden;clip:rect(0 0 0 0)"
        disabled={busy}
        onChange={(e) => void pick(e.target as HTMLInputElement)}
      />
    </label>
  );
}
