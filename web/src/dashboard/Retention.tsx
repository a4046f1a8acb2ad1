// The company's retention period (admins; docs/privacy.md): conversations, visitors and tracking
// older than N days are deleted by a scheduled job. The dry run shows what a pass would delete now.
// The form stays disabled until the stored value has loaded, so a late load never overwrites an edit.

import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../shared/http";
import type { StaffSession } from "../shared/staff";

interface Preview {
  retentionDays: number | null;
  before?: string;
  dryRun: boolean;
  counts: Record<string, number>;
}

export function RetentionPanel({ session }: { session: StaffSession }) {
  const [days, setDays] = useState<string>("");
  const [preview, setPreview] = useState<Preview | null>(null);
  const [hidden, setHidden] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = () =>
    session
      .call<Preview>("GET", "/v2/privacy/retention/preview")
      .then((p) => {
        setPreview(p);
        setDays(p.retentionDays === null ? "" : String(p.retentionDays));
      })
      .catch((err) => (err instanceof ApiError && err.status === 403 ? setHidden(true) : setError(String(err))));

  // Admins only: asking for another role would be a 403 in every supervisor's console log.
  useEffect(() => {
    if (session.user?.role === "admin") void load();
  }, []);
  if (hidden || session.user?.role !== "admin") return null;

  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      await session.call("PUT", "/v2/privacy/retention", { retentionDays: days.trim() === "" ? null : Number(days) });
      await load();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <div class="box retention">
      <h2>Privacy · retention</h2>
      <form onSubmit={save}>
        <label>
          Delete conversations, visitors and tracking after{" "}
          <input name="retentionDays" type="number" min={1} max={3650} value={days} placeholder="never"
            disabled={preview === null}
            onInput={(e) => setDays((e.target as HTMLInputElement).value)} style="width:6em" /> days
        </label>{" "}
        <button class="primary" type="submit" disabled={preview === null}>Save</button>
      </form>
      {error && <div class="err">{error}</div>}
      {preview && preview.retentionDays !== null && (
        <p class="retention-preview empty">
          Dry run: the next pass would delete {preview.counts.visitors ?? 0} visitors, {preview.counts.chats ?? 0} more chats
          ({preview.counts.messages ?? 0} messages), {preview.counts.sessions ?? 0} sessions and {preview.counts.tracking ?? 0} tracking events.
        </p>
      )}
    </div>
  );
}
