// The settings sections an admin edits as forms: company, widget (with a live preview), bot,
// routing and privacy. Each saves the whole section with the revision it showed.

import { CheckField, ListField, NumberField, PerLanguageField, SectionForm, SelectField, TextField, useSection } from "./form";
import type { StaffSession } from "../../shared/staff";
import { inLanguage, lookCss, type WidgetLook } from "../../widget/look";
import { STYLE } from "../../widget/style";

type Props = { session: StaffSession };

export function CompanyPage({ session }: Props) {
  const form = useSection(session, "company");
  return (
    <SectionForm title="Company" form={form} fields={["name", "time_zone", "default_language"]}>
      <TextField form={form} name="name" label="Name" />
      <TextField form={form} name="time_zone" label="Time zone (IANA, e.g. Europe/Madrid)" />
      <TextField form={form} name="default_language" label="Default language (e.g. en)" />
    </SectionForm>
  );
}

export function WidgetPage({ session }: Props) {
  const form = useSection(session, "widget");
  const look = form.values as WidgetLook | null;
  return (
    <div class="settings-split">
      <SectionForm title="Widget" form={form} fields={["colour", "title", "position", "launcher_text", "greetings"]}>
        <TextField form={form} name="colour" label="Colour (#rrggbb)" />
        <TextField form={form} name="title" label="Title" />
        <SelectField
          form={form}
          name="position"
          label="Position"
          options={[
            ["right", "Bottom right"],
            ["left", "Bottom left"],
          ]}
        />
        <TextField form={form} name="launcher_text" label="Launcher text (empty: an icon)" />
        <PerLanguageField form={form} name="greetings" label="Greeting" />
      </SectionForm>
      {look && <WidgetPreview look={look} />}
    </div>
  );
}

/** The widget as a visitor will see it, drawn with the widget's own stylesheet and look, updated
 * as the admin types (before saving). */
export function WidgetPreview({ look }: { look: WidgetLook }) {
  const greeting = inLanguage(look.greetings ?? {}, navigator.language);
  // The widget's fixed positions, made relative to the preview's frame.
  const frame = `${STYLE}\n${lookCss(look)}\n.launcher, .panel { position: absolute; } .panel { bottom: 90px; height: 300px; }`;
  return (
    <div class="box widget-preview" aria-label="Widget preview">
      <h2>Preview</h2>
      <div class="preview-frame">
        <style>{frame.replace(/:host[^}]*}/, "")}</style>
        <div class="panel" role="presentation">
          <div class="head">
            <b class="preview-title">{look.title}</b>
            <small>We usually answer in a few minutes</small>
          </div>
          <div class="log">{greeting && <div class="msg greeting preview-greeting">{greeting}</div>}</div>
        </div>
        <button type="button" class={look.launcher_text ? "launcher text" : "launcher"} tabIndex={-1}>
          {look.launcher_text || "💬"}
        </button>
      </div>
    </div>
  );
}

export function BotPage({ session }: Props) {
  const form = useSection(session, "bot");
  const fields = ["enabled", "name", "avatar_url", "welcome", "escalation_keywords", "max_bot_messages", "answer_threshold", "disclosure"];
  return (
    <SectionForm title="Bot" form={form} fields={fields}>
      <CheckField form={form} name="enabled" label="The bot answers first" />
      <TextField form={form} name="name" label="Name" />
      <TextField form={form} name="avatar_url" label="Avatar (an https:// URL)" />
      <PerLanguageField form={form} name="welcome" label="Welcome message ({name}: the visitor, {bot}: the bot)" />
      <ListField form={form} name="escalation_keywords" label="Escalation keywords (comma-separated)" />
      <NumberField form={form} name="max_bot_messages" label="Most bot messages in a chat" />
      <NumberField form={form} name="answer_threshold" label="Answer threshold (0 to 1)" step="0.01" />
      <PerLanguageField form={form} name="disclosure" label="AI disclosure" />
    </SectionForm>
  );
}

export function RoutingPage({ session }: Props) {
  const form = useSection(session, "routing");
  return (
    <SectionForm title="Routing" form={form} fields={["policy", "by_department", "accept_timeout_s"]}>
      <SelectField
        form={form}
        name="policy"
        label="Assignment policy"
        options={[
          ["least_busy", "Least busy agent first"],
          ["most_senior", "Most senior available agent first"],
        ]}
      />
      <CheckField form={form} name="by_department" label="Route by department (the chat's department must be among the agent's skills)" />
      <NumberField form={form} name="accept_timeout_s" label="Seconds an agent has to accept" />
    </SectionForm>
  );
}

export function PrivacyPage({ session }: Props) {
  const form = useSection(session, "privacy");
  return (
    <SectionForm title="Privacy" form={form} fields={["retention_days", "transcript_on_close"]}>
      <NumberField form={form} name="retention_days" label="Keep conversations for (days; empty: keep)" optional />
      <CheckField form={form} name="transcript_on_close" label="E-mail the transcript when a chat closes" />
    </SectionForm>
  );
}
