// A visitor's data rights, for admins (docs/privacy.md): export everything held about them as a
// JSON download, or erase them everywhere (final: their facts in the event log are shredded).

import { useState } from "preact/hooks";
import type { StaffSession } from "../shared/staff";

export function VisitorPrivacy({
  session,
  visitorId,
  onErased,
}: {
  session: StaffSession;
  visitorId: string;
  onErased?: () => void;
}) {
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (session.user?.role !== "admin") return null;

  const exportData = async () => {
    setBusy(true);
    try {
      const data = await session.call<unknown>("GET", `/v2/privacy/visitors/${visitorId}/export`);
      const blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = `visitor-${visitorId}.json`;
      link.click();
      URL.revokeObjectURL(link.href);
      setStatus("Export downloaded.");
    } catch (err) {
      setStatus(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  const erase = async () => {
    if (!window.confirm("Erase this visitor everywhere? Their chats, messages, tracking and scores are deleted for good.")) return;
    setBusy(true);
    try {
      await session.call("POST", `/v2/privacy/visitors/${visitorId}/erasure`);
      setStatus("Visitor erased.");
      onErased?.();
    } catch (err) {
      setStatus(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="privacy">
      <h2>Privacy</h2>
      <button class="export-data" disabled={busy} onClick={exportData}>
        Export data
      </button>{" "}
      <button class="erase-visitor" disabled={busy} onClick={erase}>
        Erase visitor
      </button>
      {status && <div class="privacy-status empty">{status}</div>}
    </div>
  );
}
