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
    <label class="attach" title="Send an image or a PDF" style="cursor:pointer;padding:0 6px;align-self:center">
      {busy ? "…" : "📎"}
      <input
        type="file"
        aria-label="Attach a file"
        accept={ACCEPT}
        style="display:none"
        disabled={busy}
        onChange={(e) => void pick(e.target as HTMLInputElement)}
      />
    </label>
  );
}
