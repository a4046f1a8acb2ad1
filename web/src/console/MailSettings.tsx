// Settings → E-mail (admins): the inbound domain of the reply addresses and the page the e-mailed
// link opens (docs/web.md). The transcript on close is one value with one place: Settings →
// Privacy; the outgoing server is Settings → Integrations.

import { useEffect, useState } from "preact/hooks";
import type { components } from "../shared/api";
import type { StaffSession } from "../shared/staff";

type Settings = components["schemas"]["MailSettings"];

export function MailSettingsPage({ session }: { session: StaffSession }) {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [error, setError] = useState("");
  const [saved, setSaved] = useState(false);
  const fail = (err: unknown) => setError(err instanceof Error ? err.message : String(err));
  useEffect(() => {
    session.call<Settings>("GET", "/v2/company/mail-settings").then(setSettings, fail);
  }, []);

  const save = async (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value.trim();
    const inboundDomain = value("inboundDomain");
    const chatPageUrl = value("chatPageUrl");
    const clear = [...(inboundDomain ? [] : ["inboundDomain"]), ...(chatPageUrl ? [] : ["chatPageUrl"])];
    try {
      const reply = await session.call<Settings>("PUT", "/v2/company/mail-settings", {
        inboundDomain: inboundDomain || null,
        chatPageUrl: chatPageUrl || null,
        clear,
      });
      setSettings(reply);
      setError("");
      setSaved(true);
    } catch (err) {
      setSaved(false);
      fail(err);
    }
  };

  return (
    <div class="mail-settings">
      <h2>E-mail to visitors</h2>
      {settings && (
        <form onSubmit={save} onInput={() => setSaved(false)}>
          <p class="hint">
            The transcript on close is under <a href="#settings/privacy">Privacy</a>; the outgoing server under{" "}
            <a href="#settings/integrations">Integrations</a>.
          </p>
          <label>
            Inbound domain of the reply addresses{" "}
            <input
              name="inboundDomain"
              placeholder={settings.defaultInboundDomain ?? "reply.example.com"}
              value={settings.inboundDomain ?? ""}
              maxLength={253}
            />
          </label>
          <label>
            Page the e-mailed link opens{" "}
            <input name="chatPageUrl" placeholder="https://www.example.com/help" value={settings.chatPageUrl ?? ""} maxLength={500} />
          </label>
          <button type="submit" class="primary">
            Save
          </button>
          {saved && <span class="saved"> Saved</span>}
        </form>
      )}
      <div class="login-error" role="alert">
        {error}
      </div>
    </div>
  );
}
