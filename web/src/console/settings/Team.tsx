// The team (admins): invite a member (a one-time link; they choose their own password), and per
// member the role, the most chats at once, skills/departments, and deactivation. Each row saves on
// its own; the server's error shows beside the field it names.

import { useEffect, useState } from "preact/hooks";
import type { StaffSession } from "../../shared/staff";
import { FieldError, asError, type FormError } from "./form";

interface Member {
  id: string;
  email: string;
  name: string;
  role: string;
  active: boolean;
  maxChats: number | null;
  skills: string[];
  seniority: number | null;
}

const ROLES: [string, string][] = [
  ["commercial", "Agent"],
  ["supervisor", "Supervisor"],
  ["admin", "Admin"],
];

export function TeamPage({ session }: { session: StaffSession }) {
  const [members, setMembers] = useState<Member[]>([]);
  const [error, setError] = useState<FormError | null>(null);
  const [link, setLink] = useState<string | null>(null);
  const [inviteError, setInviteError] = useState<FormError | null>(null);

  const load = async () => {
    try {
      setMembers((await session.call<{ members: Member[] }>("GET", "/v2/company/team")).members);
    } catch (err) {
      setError(asError(err));
    }
  };
  useEffect(() => void load(), []);

  const invite = async (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    try {
      const reply = await session.call<{ consoleUrl: string }>("POST", "/v2/company/invitations", {
        email: String(data.get("email") ?? ""),
        role: String(data.get("role") ?? "commercial"),
      });
      setInviteError(null);
      setLink(new URL(reply.consoleUrl, location.origin).href);
      form.reset();
    } catch (err) {
      setInviteError(asError(err));
    }
  };

  return (
    <div class="settings-form team">
      <h2>Team</h2>
      <form class="invite" onSubmit={invite} noValidate>
        <h3>Invite a member</h3>
        <div class="field" data-name="email">
          <label>
            <span class="label">E-mail</span>
            <input name="email" type="email" aria-invalid={inviteError?.field === "email" ? "true" : undefined} />
          </label>
          <FieldError error={inviteError} name="email" />
        </div>
        <div class="field" data-name="role">
          <label>
            <span class="label">Role</span>
            <select name="role">
              {ROLES.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </label>
        </div>
        <button type="submit" class="primary">
          Create the invitation link
        </button>
        {inviteError && !inviteError.field && <div class="err">{inviteError.message}</div>}
        {link && (
          <p class="invitation-link">
            Send this link to the new member (it works once, for 7 days): <code>{link}</code>
          </p>
        )}
      </form>
      {error && <div class="err">{error.message}</div>}
      <table class="settings-table members">
        <thead>
          <tr>
            <th>Member</th>
            <th>Role</th>
            <th>Most chats</th>
            <th>Skills / departments</th>
            <th>Seniority</th>
            <th>Active</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {members.map((m) => (
            <MemberRow key={m.id} session={session} member={m} me={session.user?.id === m.id} onSaved={load} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function MemberRow({ session, member, me, onSaved }: { session: StaffSession; member: Member; me: boolean; onSaved: () => Promise<void> }) {
  const [role, setRole] = useState(member.role);
  const [maxChats, setMaxChats] = useState(String(member.maxChats ?? ""));
  const [skills, setSkills] = useState(member.skills.join(", "));
  const [seniority, setSeniority] = useState(String(member.seniority ?? ""));
  const [active, setActive] = useState(member.active);
  const [error, setError] = useState<FormError | null>(null);
  const [saved, setSaved] = useState(false);

  const save = async () => {
    setSaved(false);
    try {
      await session.call("PATCH", `/v2/company/team/${member.id}`, {
        role,
        maxChats: maxChats.trim() === "" ? null : Number(maxChats),
        skills: skills
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
        seniority: seniority.trim() === "" ? null : Number(seniority),
        active,
      });
      setError(null);
      setSaved(true);
      await onSaved();
    } catch (err) {
      setError(asError(err));
    }
  };

  return (
    <tr data-member={member.email} class={member.active ? undefined : "inactive"}>
      <td>
        <b>{member.name}</b>
        <div>
          <small>{member.email}</small>
        </div>
      </td>
      <td>
        <select aria-label={`Role of ${member.email}`} value={role} disabled={me} onChange={(e) => setRole((e.target as HTMLSelectElement).value)}>
          {ROLES.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
        <FieldError error={error} name="role" />
      </td>
      <td>
        <input aria-label={`Most chats of ${member.email}`} name="maxChats" size={3} value={maxChats} onInput={(e) => setMaxChats((e.target as HTMLInputElement).value)} />
        <FieldError error={error} name="maxChats" />
      </td>
      <td>
        <input aria-label={`Skills of ${member.email}`} name="skills" value={skills} onInput={(e) => setSkills((e.target as HTMLInputElement).value)} />
        <FieldError error={error} name="skills" />
      </td>
      <td>
        <input aria-label={`Seniority of ${member.email}`} name="seniority" size={3} value={seniority} onInput={(e) => setSeniority((e.target as HTMLInputElement).value)} />
        <FieldError error={error} name="seniority" />
      </td>
      <td>
        <input type="checkbox" aria-label={`${member.email} is active`} checked={active} disabled={me} onChange={(e) => setActive((e.target as HTMLInputElement).checked)} />
        <FieldError error={error} name="active" />
      </td>
      <td>
        <button type="button" class="save-member" onClick={() => void save()}>
          Save
        </button>
        {saved && <span class="saved">Saved</span>}
        {error && !["role", "maxChats", "skills", "seniority", "active"].includes(error.field ?? "") && <div class="err">{error.message}</div>}
      </td>
    </tr>
  );
}
