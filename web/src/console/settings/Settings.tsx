// The console's settings (admins): one page per section, chosen in a side navigation that the
// URL hash remembers (#settings/widget). Anyone else gets a plain "no access".

import { useEffect, useState } from "preact/hooks";
import type { JSX } from "preact";
import type { StaffSession } from "../../shared/staff";
import { Knowledge } from "../Knowledge";
import { MailSettingsPage } from "../MailSettings";
import { AuditPage } from "./Audit";
import { HoursPage } from "./Hours";
import { BotPage, CompanyPage, PrivacyPage, RoutingPage, WidgetPage } from "./sections";
import { IntegrationsPage } from "./Integrations";
import { RulesPage } from "./Rules";
import { SitesPage } from "./Sites";
import { TeamPage } from "./Team";

type Page = { id: string; label: string; render: (session: StaffSession) => JSX.Element };

export const PAGES: Page[] = [
  { id: "company", label: "Company", render: (s) => <CompanyPage session={s} /> },
  { id: "widget", label: "Widget", render: (s) => <WidgetPage session={s} /> },
  { id: "bot", label: "Bot", render: (s) => <BotPage session={s} /> },
  { id: "hours", label: "Business hours", render: (s) => <HoursPage session={s} /> },
  { id: "routing", label: "Routing", render: (s) => <RoutingPage session={s} /> },
  { id: "privacy", label: "Privacy", render: (s) => <PrivacyPage session={s} /> },
  { id: "sites", label: "Site keys", render: (s) => <SitesPage session={s} /> },
  { id: "team", label: "Team", render: (s) => <TeamPage session={s} /> },
  { id: "email", label: "E-mail", render: (s) => <MailSettingsPage session={s} /> },
  { id: "integrations", label: "Integrations", render: (s) => <IntegrationsPage session={s} /> },
  { id: "rules", label: "Pipeline rules", render: (s) => <RulesPage session={s} /> },
  { id: "knowledge", label: "Knowledge sources", render: (s) => <Knowledge session={s} /> },
  { id: "audit", label: "Audit", render: (s) => <AuditPage session={s} /> },
];

function fromHash(): string {
  const match = /^#settings\/([a-z-]+)/.exec(location.hash);
  return match && PAGES.some((p) => p.id === match[1]) ? match[1] : PAGES[0].id;
}

export function Settings({ session }: { session: StaffSession }) {
  const [current, setCurrent] = useState(fromHash);
  useEffect(() => {
    const onHash = () => setCurrent(fromHash());
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
  if (session.user?.role !== "admin") {
    return (
      <div class="box no-access" role="alert">
        <h2>No access</h2>
        <p>Only an admin of the company changes its settings.</p>
      </div>
    );
  }
  const page = PAGES.find((p) => p.id === current) ?? PAGES[0];
  return (
    <div class="settings">
      <nav class="settings-nav" aria-label="Settings">
        {PAGES.map((p) => (
          <a key={p.id} href={`#settings/${p.id}`} class={p.id === page.id ? "sel" : undefined} aria-current={p.id === page.id ? "page" : undefined}>
            {p.label}
          </a>
        ))}
      </nav>
      <div class="settings-page" data-page={page.id} key={page.id}>
        {page.render(session)}
      </div>
    </div>
  );
}
