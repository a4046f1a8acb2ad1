// The settings forms' toolkit: load a section with its revision, save it back, and show the
// server's error next to the field it names (a 422's `field`, e.g. `greetings.en`); a 409 (someone
// saved meanwhile) asks for a reload. Every value is shown as text or an input's value, never HTML.

import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../../shared/http";
import type { StaffSession } from "../../shared/staff";

export type Values = Record<string, unknown>;

export interface FormError {
  field: string | null;
  message: string;
  stale?: boolean;
}

interface SectionReply {
  section: string;
  revision: number;
  updatedAt: string | null;
  updatedBy: string | null;
  values: Values;
}

export function asError(err: unknown): FormError {
  if (err instanceof ApiError) {
    if (err.status === 409) return { field: null, message: err.message, stale: true };
    return { field: err.field ?? null, message: err.message };
  }
  return { field: null, message: err instanceof Error ? err.message : String(err) };
}

/** One settings section: its values as the form edits them, and save (with the revision). */
export function useSection(session: StaffSession, section: string) {
  const [values, setValues] = useState<Values | null>(null);
  const [revision, setRevision] = useState(0);
  const [error, setError] = useState<FormError | null>(null);
  const [saved, setSaved] = useState(false);

  const load = async () => {
    try {
      const reply = await session.call<SectionReply>("GET", `/v2/settings/${section}`);
      setValues(reply.values);
      setRevision(reply.revision);
      setError(null);
    } catch (err) {
      setError(asError(err));
    }
  };
  useEffect(() => {
    void load();
  }, [section]);

  const set = (name: string, value: unknown) => {
    setSaved(false);
    setValues((current) => ({ ...(current ?? {}), [name]: value }));
  };

  const save = async (e?: Event) => {
    e?.preventDefault();
    setSaved(false);
    try {
      const reply = await session.call<SectionReply>("PUT", `/v2/settings/${section}`, { values, revision });
      setValues(reply.values);
      setRevision(reply.revision);
      setError(null);
      setSaved(true);
    } catch (err) {
      setError(asError(err));
    }
  };
  return { values, revision, error, saved, set, save, reload: load };
}

/** The error of this field (or of one of its parts: `week.mon.0` belongs to `week`). */
export function errorFor(error: FormError | null, name: string): string | null {
  if (!error?.field) return null;
  return error.field === name || error.field.startsWith(`${name}.`) ? error.message : null;
}

export function FieldError({ error, name }: { error: FormError | null; name: string }) {
  const message = errorFor(error, name);
  return message ? (
    <span class="field-error" role="alert" data-field={name}>
      {message}
    </span>
  ) : null;
}

/** The form's frame: the save button, the saved note, a stale-revision reload and the errors no
 * field claims. */
export function SectionForm({
  title,
  form,
  fields,
  children,
}: {
  title: string;
  form: ReturnType<typeof useSection>;
  fields: string[];
  children: ComponentChildren;
}) {
  const { error } = form;
  const unclaimed = error && !error.stale && !fields.some((f) => errorFor(error, f)) ? error.message : null;
  return (
    <form class="settings-form" onSubmit={form.save} data-revision={form.revision} noValidate>
      <h2>{title}</h2>
      {error?.stale && (
        <div class="err stale" role="alert">
          {error.message}{" "}
          <button type="button" class="reload" onClick={() => void form.reload()}>
            Reload
          </button>
        </div>
      )}
      {unclaimed && (
        <div class="err form-error" role="alert">
          {unclaimed}
        </div>
      )}
      {form.values ? <div key={form.revision}>{children}</div> : <div class="empty">Loading…</div>}
      <div class="settings-actions">
        <button type="submit" class="primary save">
          Save
        </button>
        {form.saved && <span class="saved">Saved · revision {form.revision}</span>}
      </div>
    </form>
  );
}

type Form = ReturnType<typeof useSection>;

function Row({ label, name, form, children }: { label: string; name: string; form: Form; children: ComponentChildren }) {
  return (
    <div class="field" data-name={name}>
      <label>
        <span class="label">{label}</span>
        {children}
      </label>
      <FieldError error={form.error} name={name} />
    </div>
  );
}

export function TextField({ form, name, label }: { form: Form; name: string; label: string }) {
  const value = form.values?.[name];
  return (
    <Row label={label} name={name} form={form}>
      <input
        name={name}
        type="text"
        value={value == null ? "" : String(value)}
        aria-invalid={errorFor(form.error, name) ? "true" : undefined}
        onInput={(e) => form.set(name, (e.target as HTMLInputElement).value)}
      />
    </Row>
  );
}

export function NumberField({ form, name, label, step = "1", optional = false }: { form: Form; name: string; label: string; step?: string; optional?: boolean }) {
  const value = form.values?.[name];
  return (
    <Row label={label} name={name} form={form}>
      <input
        name={name}
        type="text"
        inputMode="decimal"
        data-step={step}
        value={value == null ? "" : String(value)}
        aria-invalid={errorFor(form.error, name) ? "true" : undefined}
        onInput={(e) => {
          const raw = (e.target as HTMLInputElement).value.trim();
          const number = Number(raw);
          form.set(name, raw === "" && optional ? null : raw !== "" && Number.isFinite(number) ? number : raw);
        }}
      />
    </Row>
  );
}

export function CheckField({ form, name, label }: { form: Form; name: string; label: string }) {
  return (
    <div class="field check" data-name={name}>
      <label>
        <input name={name} type="checkbox" checked={Boolean(form.values?.[name])} onChange={(e) => form.set(name, (e.target as HTMLInputElement).checked)} /> {label}
      </label>
      <FieldError error={form.error} name={name} />
    </div>
  );
}

export function SelectField({ form, name, label, options }: { form: Form; name: string; label: string; options: [string, string][] }) {
  return (
    <Row label={label} name={name} form={form}>
      <select name={name} value={String(form.values?.[name] ?? "")} onChange={(e) => form.set(name, (e.target as HTMLSelectElement).value)}>
        {options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
    </Row>
  );
}

/** A list of short texts, typed comma-separated. */
export function ListField({ form, name, label }: { form: Form; name: string; label: string }) {
  const list = (form.values?.[name] as string[] | undefined) ?? [];
  const [text, setText] = useState(list.join(", "));
  return (
    <Row label={label} name={name} form={form}>
      <input
        name={name}
        value={text}
        aria-invalid={errorFor(form.error, name) ? "true" : undefined}
        onInput={(e) => {
          const raw = (e.target as HTMLInputElement).value;
          setText(raw);
          form.set(
            name,
            raw
              .split(",")
              .map((s) => s.trim())
              .filter(Boolean),
          );
        }}
      />
    </Row>
  );
}

/** A text per language: one row per language tag, more can be added. */
export function PerLanguageField({ form, name, label }: { form: Form; name: string; label: string }) {
  const texts = (form.values?.[name] as Record<string, string> | undefined) ?? {};
  const [rows, setRows] = useState<[string, string][]>(Object.entries(texts));
  const update = (next: [string, string][]) => {
    setRows(next);
    form.set(name, Object.fromEntries(next));
  };
  return (
    <div class="field per-language" data-name={name}>
      <span class="label">{label}</span>
      {rows.map(([tag, text], i) => (
        <div class="lang-row" key={i}>
          <input
            class="lang"
            aria-label={`${label}: language`}
            value={tag}
            size={6}
            aria-invalid={errorFor(form.error, name) ? "true" : undefined}
            onInput={(e) => update(rows.map((r, j) => (j === i ? [(e.target as HTMLInputElement).value.trim(), r[1]] : r)))}
          />
          <textarea
            name={`${name}.${tag}`}
            aria-label={`${label} (${tag})`}
            value={text}
            rows={2}
            onInput={(e) => update(rows.map((r, j) => (j === i ? [r[0], (e.target as HTMLTextAreaElement).value] : r)))}
          />
          <button type="button" class="remove" aria-label={`Remove ${tag}`} onClick={() => update(rows.filter((_, j) => j !== i))}>
            ×
          </button>
        </div>
      ))}
      <button type="button" class="add-language" onClick={() => setRows([...rows, ["", ""]])}>
        Add a language
      </button>
      <FieldError error={form.error} name={name} />
    </div>
  );
}
