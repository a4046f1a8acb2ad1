// Handing a chat on: transfer it to another agent or a department with a note the receiving
// agent reads in the chat; and the chat's tags (add, remove).

import { useEffect, useState } from "preact/hooks";
import type { components } from "../shared/api";
import type { StaffSession } from "../shared/staff";
import type { Chat } from "../shared/types";

type Department = components["schemas"]["DepartmentItem"];
interface Agent {
  id: string;
  name: string | null;
  status: string;
  available: boolean;
}

export function Tags({ session, chat, onChanged, onError }: { session: StaffSession; chat: Chat; onChanged: (c: Chat) => void; onError: (e: unknown) => void }) {
  const [tag, setTag] = useState("");
  const tags = chat.metadata.tags ?? [];
  const add = async (e: Event) => {
    e.preventDefault();
    const value = tag.trim();
    if (!value) return;
    try {
      onChanged(await session.call<Chat>("POST", `/v2/chats/${chat.id}/tags`, { tags: [value] }));
      setTag("");
    } catch (err) {
      onError(err);
    }
  };
  const remove = async (value: string) => {
    try {
      onChanged(await session.call<Chat>("DELETE", `/v2/chats/${chat.id}/tags/${encodeURIComponent(value)}`));
    } catch (err) {
      onError(err);
    }
  };
  return (
    <form class="tags" onSubmit={add}>
      {tags.map((t) => (
        <span class="tag" key={t}>
          {t}
          <button type="button" aria-label={`Remove tag ${t}`} onClick={() => void remove(t)}>
            ×
          </button>
        </span>
      ))}
      <input aria-label="Add tag" placeholder="+ tag" value={tag} maxLength={50} onInput={(e) => setTag((e.target as HTMLInputElement).value)} />
    </form>
  );
}

export function Transfer({ session, chat, meId, onDone, onError }: { session: StaffSession; chat: Chat; meId: string; onDone: () => void; onError: (e: unknown) => void }) {
  const [open, setOpen] = useState(false);
  const [agents, setAgents] = useState<Agent[]>([]);
  const [departments, setDepartments] = useState<Department[]>([]);
  const [target, setTarget] = useState("");
  const [note, setNote] = useState("");
  useEffect(() => {
    if (!open) return;
    session.call<{ data: Agent[] }>("GET", "/v2/commercials").then((r) => setAgents(r.data.filter((a) => a.id !== meId)), onError);
    session.call<{ departments: Department[] }>("GET", "/v2/departments").then((r) => setDepartments(r.departments), onError);
  }, [open]);
  if (!open)
    return (
      <button type="button" class="transfer-open" onClick={() => setOpen(true)}>
        Transfer…
      </button>
    );
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!target) return;
    const [kind, id] = target.split(":");
    try {
      await session.call("POST", `/v2/chats/${chat.id}/transfer`, {
        ...(kind === "agent" ? { commercialId: id } : { departmentId: id }),
        note: note.trim() || undefined,
      });
      setOpen(false);
      setNote("");
      setTarget("");
      onDone();
    } catch (err) {
      onError(err);
    }
  };
  return (
    <form class="transfer" onSubmit={submit}>
      <select aria-label="Transfer to" value={target} onChange={(e) => setTarget((e.target as HTMLSelectElement).value)}>
        <option value="">Transfer to…</option>
        <optgroup label="Agents">
          {agents.map((a) => (
            <option key={a.id} value={`agent:${a.id}`}>
              {a.name ?? a.id} ({a.status})
            </option>
          ))}
        </optgroup>
        {departments.length > 0 && (
          <optgroup label="Departments">
            {departments.map((d) => (
              <option key={d.id} value={`department:${d.id}`}>
                {d.name}
              </option>
            ))}
          </optgroup>
        )}
      </select>
      <input aria-label="Transfer note" placeholder="Note for the next agent" value={note} maxLength={1000} onInput={(e) => setNote((e.target as HTMLInputElement).value)} />
      <button class="primary" type="submit" disabled={!target}>
        Transfer
      </button>
      <button type="button" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </form>
  );
}
