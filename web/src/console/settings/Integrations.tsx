// Integrations (admins): the LLM endpoint, SMTP and outgoing webhooks (a settings section), their
// keys and passwords as encrypted company secrets (shown masked, never again in full), and the
// webhook delivery log.

import { useEffect, useState } from "preact/hooks";
import type { StaffSession } from "../../shared/staff";
import { FieldError, SelectField, NumberField, SectionForm, TextField, asError, errorFor, useSection, type FormError } from "./form";

interface Hook {
  name: string;
  url: string;
  events: string[];
  enabled: boolean;
}

interface Masked {
  name: string;
  masked: string;
  updatedAt: string | null;
}

interface Delivery {
  at: string;
  webhook: string | null;
  url: string | null;
  eventType: string | null;
  outcome: string | null;
  attempts: number | null;
  statusCode: number | null;
  error: string | null;
}

const FIELDS = ["llm_base_url", "llm_model", "smtp_host", "smtp_port", "smtp_username", "smtp_from", "smtp_security", "webhooks"];

export function IntegrationsPage({ session }: { session: StaffSession }) {
  const form = useSection(session, "integrations");
  const hooks = (form.values?.webhooks as Hook[] | undefined) ?? [];
  const setHooks = (next: Hook[]) => form.set("webhooks", next);
  const [eventsText, setEventsText] = useState<Record<number, string>>({});
  return (
    <div>
      <SectionForm title="Integrations" form={form} fields={FIELDS}>
        <h3>AI model</h3>
        <TextField form={form} name="llm_base_url" label="LLM endpoint (OpenAI-compatible base URL)" />
        <TextField form={form} name="llm_model" label="Model" />
        <h3>E-mail (SMTP)</h3>
        <TextField form={form} name="smtp_host" label="Host" />
        <NumberField form={form} name="smtp_port" label="Port" />
        <TextField form={form} name="smtp_username" label="User name" />
        <TextField form={form} name="smtp_from" label="From address" />
        <SelectField
          form={form}
          name="smtp_security"
          label="Security"
          options={[
            ["starttls", "STARTTLS (port 587)"],
            ["tls", "TLS (port 465)"],
            ["none", "None (a relay on this network only)"],
          ]}
        />
        <p class="hint">Empty host: e-mail goes out through the installation's server, if it has one. The password is the secret smtp_password below.</p>
        <h3>Webhooks</h3>
        <p class="hint">Each event of the log matching a webhook's filter (chat.closed, chat.*; empty: every event) is POSTed as signed JSON (X-Guiders-Signature, X-Guiders-Timestamp). Its secret is the secret webhook:&lt;name&gt; below.</p>
        {hooks.map((hook, i) => {
          const at = `webhooks.${i}`;
          const change = (patch: Partial<Hook>) => setHooks(hooks.map((h, j) => (j === i ? { ...h, ...patch } : h)));
          return (
            <div class="webhook field" data-name={at} key={i}>
              <input aria-label={`Webhook ${i + 1} name`} placeholder="name (crm)" value={hook.name} aria-invalid={errorFor(form.error, `${at}.name`) ? "true" : undefined} onInput={(e) => change({ name: (e.target as HTMLInputElement).value })} />
              <input aria-label={`Webhook ${i + 1} URL`} placeholder="https://…" value={hook.url} size={40} aria-invalid={errorFor(form.error, `${at}.url`) ? "true" : undefined} onInput={(e) => change({ url: (e.target as HTMLInputElement).value })} />
              <input
                aria-label={`Webhook ${i + 1} events`}
                placeholder="events (chat.*, visitor.converted)"
                value={eventsText[i] ?? hook.events.join(", ")}
                onInput={(e) => {
                  const raw = (e.target as HTMLInputElement).value;
                  setEventsText({ ...eventsText, [i]: raw });
                  change({
                    events: raw
                      .split(",")
                      .map((s) => s.trim())
                      .filter(Boolean),
                  });
                }}
              />
              <label>
                <input type="checkbox" checked={hook.enabled} onChange={(e) => change({ enabled: (e.target as HTMLInputElement).checked })} /> on
              </label>
              <button type="button" class="remove" aria-label={`Remove webhook ${i + 1}`} onClick={() => setHooks(hooks.filter((_, j) => j !== i))}>
                ×
              </button>
              <FieldError error={form.error} name={at} />
            </div>
          );
        })}
        <button type="button" class="add-webhook" onClick={() => setHooks([...hooks, { name: "", url: "", events: [], enabled: true }])}>
          Add a webhook
        </button>
        {form.error?.field === "webhooks" && <FieldError error={form.error} name="webhooks" />}
      </SectionForm>
      <Secrets session={session} hooks={hooks.map((h) => h.name).filter(Boolean)} />
      <Deliveries session={session} />
    </div>
  );
}

function Secrets({ session, hooks }: { session: StaffSession; hooks: string[] }) {
  const [secrets, setSecrets] = useState<Masked[]>([]);
  const [error, setError] = useState<FormError | null>(null);
  const load = async () => {
    try {
      setSecrets((await session.call<{ secrets: Masked[] }>("GET", "/v2/company/secrets")).secrets);
    } catch (err) {
      setError(asError(err));
    }
  };
  useEffect(() => void load(), []);
  const names = ["llm_api_key", "smtp_password", ...hooks.map((h) => `webhook:${h}`)];
  const save = async (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    try {
      await session.call("PUT", `/v2/company/secrets/${encodeURIComponent(String(data.get("name")))}`, { value: String(data.get("value") ?? "") });
      setError(null);
      form.reset();
      await load();
    } catch (err) {
      setError(asError(err));
    }
  };
  const remove = async (name: string) => {
    try {
      await session.call("DELETE", `/v2/company/secrets/${encodeURIComponent(name)}`);
      await load();
    } catch (err) {
      setError(asError(err));
    }
  };
  return (
    <form class="settings-form secrets" onSubmit={save} noValidate>
      <h2>Keys and passwords</h2>
      <p class="hint">Stored encrypted; shown masked. The bot and the pipeline read them with the company's integration key.</p>
      <table class="settings-table">
        <tbody>
          {secrets.map((s) => (
            <tr key={s.name} data-secret={s.name}>
              <td>{s.name}</td>
              <td>
                <code class="masked">{s.masked}</code>
              </td>
              <td>
                <button type="button" onClick={() => void remove(s.name)}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="field" data-name="value">
        <label>
          <span class="label">Set</span>
          <select name="name" aria-label="Secret">
            {names.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
          <input name="value" type="password" aria-label="Secret value" autoComplete="off" />
        </label>
        <FieldError error={error} name="value" />
        <FieldError error={error} name="name" />
      </div>
      {error && !error.field && <div class="err">{error.message}</div>}
      <button type="submit" class="primary save-secret">
        Save the secret
      </button>
    </form>
  );
}

function Deliveries({ session }: { session: StaffSession }) {
  const [list, setList] = useState<Delivery[]>([]);
  const [error, setError] = useState<string | null>(null);
  const load = async () => {
    try {
      setList((await session.call<{ deliveries: Delivery[] }>("GET", "/v2/company/webhooks/deliveries?limit=50")).deliveries);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  useEffect(() => {
    void load();
    const timer = window.setInterval(() => void load(), 5000);
    return () => window.clearInterval(timer);
  }, []);
  return (
    <div class="box deliveries">
      <h2>Webhook deliveries</h2>
      {error && <div class="err">{error}</div>}
      {list.length === 0 && <div class="empty">No deliveries yet.</div>}
      <table class="settings-table delivery-log">
        <tbody>
          {list.map((d, i) => (
            <tr key={i} class={d.outcome ?? ""}>
              <td>{new Date(d.at).toLocaleString()}</td>
              <td>{d.webhook}</td>
              <td>{d.eventType}</td>
              <td class="outcome">{d.outcome}</td>
              <td>
                {d.attempts} attempt(s){d.statusCode ? ` · ${d.statusCode}` : ""}
              </td>
              <td>{d.error}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
