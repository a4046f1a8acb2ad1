// Site keys (admins): each site's public key for the widget's <script>, the hosts (origins) it is
// accepted from, create one, change its hosts, revoke it (no new visitor registers with it and its
// hosts leave CORS).

import { useEffect, useState } from "preact/hooks";
import type { StaffSession } from "../../shared/staff";
import { FieldError, asError, type FormError } from "./form";

interface SiteKey {
  id: string;
  name: string;
  siteKey: string;
  domain: string;
  aliases: string[];
  revoked: boolean;
  revokedAt: string | null;
}

const hosts = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

export function SitesPage({ session }: { session: StaffSession }) {
  const [sites, setSites] = useState<SiteKey[]>([]);
  const [error, setError] = useState<FormError | null>(null);
  const load = async () => {
    try {
      setSites((await session.call<{ sites: SiteKey[] }>("GET", "/v2/company/sites")).sites);
    } catch (err) {
      setError(asError(err));
    }
  };
  useEffect(() => void load(), []);

  const create = async (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    try {
      await session.call("POST", "/v2/company/sites", {
        name: String(data.get("name") ?? ""),
        domain: String(data.get("domain") ?? ""),
        aliases: hosts(String(data.get("aliases") ?? "")),
      });
      setError(null);
      form.reset();
      await load();
    } catch (err) {
      setError(asError(err));
    }
  };

  return (
    <div class="settings-form sites">
      <h2>Site keys</h2>
      <form class="new-site" onSubmit={create} noValidate>
        <h3>New site key</h3>
        {(["name", "domain", "aliases"] as const).map((name) => (
          <div class="field" data-name={name} key={name}>
            <label>
              <span class="label">{name === "name" ? "Name" : name === "domain" ? "Domain (e.g. shop.example)" : "Other hosts (comma-separated)"}</span>
              <input name={name} aria-invalid={error?.field?.startsWith(name) ? "true" : undefined} />
            </label>
            <FieldError error={error} name={name} />
          </div>
        ))}
        <button type="submit" class="primary">
          Create
        </button>
        {error && !["name", "domain", "aliases"].some((f) => error.field?.startsWith(f)) && <div class="err">{error.message}</div>}
      </form>
      {sites.map((site) => (
        <SiteRow key={site.id} session={session} site={site} onChanged={load} />
      ))}
    </div>
  );
}

function SiteRow({ session, site, onChanged }: { session: StaffSession; site: SiteKey; onChanged: () => Promise<void> }) {
  const [domain, setDomain] = useState(site.domain);
  const [aliases, setAliases] = useState(site.aliases.join(", "));
  const [error, setError] = useState<FormError | null>(null);
  const act = async (method: string, path: string, body?: unknown) => {
    try {
      await session.call(method, path, body);
      setError(null);
      await onChanged();
    } catch (err) {
      setError(asError(err));
    }
  };
  return (
    <div class={`box site ${site.revoked ? "revoked" : ""}`} data-site={site.domain}>
      <div class="row">
        <b>{site.name}</b> <code class="site-key">{site.siteKey}</code> {site.revoked && <span class="status failed">revoked {site.revokedAt ? new Date(site.revokedAt).toLocaleString() : ""}</span>}
      </div>
      {!site.revoked && (
        <div>
          <div class="field" data-name="domain">
            <label>
              <span class="label">Domain</span>
              <input aria-label={`Domain of ${site.name}`} value={domain} onInput={(e) => setDomain((e.target as HTMLInputElement).value)} />
            </label>
            <FieldError error={error} name="domain" />
          </div>
          <div class="field" data-name="aliases">
            <label>
              <span class="label">Other hosts allowed (comma-separated)</span>
              <input aria-label={`Other hosts of ${site.name}`} value={aliases} onInput={(e) => setAliases((e.target as HTMLInputElement).value)} />
            </label>
            <FieldError error={error} name="aliases" />
          </div>
          <button type="button" class="save-origins" onClick={() => void act("PUT", `/v2/company/sites/${site.id}/origins`, { domain, aliases: hosts(aliases) })}>
            Save hosts
          </button>{" "}
          <button
            type="button"
            class="revoke"
            onClick={() => {
              if (confirm(`Revoke ${site.siteKey}? Widgets using it stop working.`)) void act("POST", `/v2/company/sites/${site.id}/revoke`);
            }}
          >
            Revoke
          </button>
          {error && !["domain", "aliases"].some((f) => error.field?.startsWith(f)) && <div class="err">{error.message}</div>}
        </div>
      )}
    </div>
  );
}
