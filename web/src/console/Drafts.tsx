// Shadow mode in the console: the bot's draft (an internal note with metadata.isDraft) is sent
// as it is, edited in the composer, or discarded; each decision is recorded for its topic
// (POST /api/v2/bot/shadow/reviews), which is what graduates a topic on the dashboard.

import { ApiError } from "../shared/http";
import type { StaffSession } from "../shared/staff";
import type { Message } from "../shared/types";

export type DraftAction = "sent" | "edited" | "discarded";

export function isDraft(m: Message): boolean {
  return m.isInternal && m.metadata?.isDraft === true;
}

export async function recordReview(session: StaffSession, draft: Message, action: DraftAction): Promise<void> {
  try {
    await session.call("POST", "/v2/bot/shadow/reviews", {
      topic: String(draft.metadata.topic ?? "unknown"),
      action,
      draftId: draft.id,
      chatId: draft.chatId,
    });
  } catch (err) {
    // Reviewed already (another agent, or this console before a reload): nothing to record.
    if (!(err instanceof ApiError && err.status === 409)) throw err;
  }
}

export function DraftActions({
  draft,
  reviewed,
  onSend,
  onEdit,
  onDiscard,
}: {
  draft: Message;
  reviewed: boolean;
  onSend: (draft: Message) => void;
  onEdit: (draft: Message) => void;
  onDiscard: (draft: Message) => void;
}) {
  if (reviewed) return <span class="draft-done">reviewed</span>;
  return (
    <span class="draft-actions" data-draft={draft.id}>
      <button data-action="send-draft" onClick={() => onSend(draft)}>
        Send
      </button>
      <button data-action="edit-draft" onClick={() => onEdit(draft)}>
        Edit
      </button>
      <button data-action="discard-draft" onClick={() => onDiscard(draft)}>
        Discard
      </button>
    </span>
  );
}
