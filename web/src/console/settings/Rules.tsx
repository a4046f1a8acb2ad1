// Pipeline rules: the YAML the pipeline runs, validated by the pipeline's own validator (each
// problem names its line and field), saved with the revision it showed (a 409 asks for a reload).

import { useEffect, useState } from "preact/hooks";
import type { StaffSession } from "../../shared/staff";
import { FieldError, asError, type FormError } from "./form";

interface Problem {
  line: number | null;
  field: string;
  message: string;
}

interface RulesDocument {
  yaml: string;
  source: string;
  revision: number;
}

export function RulesPage({ session }: { session: StaffSession }) {
  const [doc, setDoc] = useState<RulesDocument | null>(null);
  const [text, setText] = useState("");
  const [problems, setProblems] = useState<Problem[] | null>(null);
  const [count, setCount] = useState<number | null>(null);
  const [error, setError] = useState<FormError | null>(null);
  const [saved, setSaved] = useState(false);

  const load = async () => {
    try {
      const reply = await session.call<RulesDocument>("GET", "/v2/pipeline/rules");
      setDoc(reply);
      setText(reply.yaml);
      setError(null);
    } catch (err) {
      setError(asError(err));
    }
  };
  useEffect(() => void load(), []);

  const validate = async () => {
    try {
      const reply = await session.call<{ valid: boolean; rules: number; problems: Problem[] }>("POST", "/v2/pipeline/rules/validate", { yaml: text });
      setProblems(reply.problems);
      setCount(reply.valid ? reply.rules : null);
    } catch (err) {
      setError(asError(err));
    }
  };

  const save = async (e: Event) => {
    e.preventDefault();
    setSaved(false);
    try {
      const reply = await session.call<RulesDocument>("PUT", "/v2/pipeline/rules", { yaml: text, revision: doc?.revision ?? 0 });
      setDoc(reply);
      setError(null);
      setProblems(null);
      setSaved(true);
    } catch (err) {
      setError(asError(err));
      if (!(err instanceof Error && asError(err).stale)) void validate();
    }
  };

  return (
    <form class="settings-form rules" onSubmit={save} noValidate>
      <h2>Pipeline rules</h2>
      <p class="hint">
        {doc?.source === "console" ? `Saved in the console (revision ${doc.revision}).` : "The rules file the server started with; saving here replaces it for this company."}
      </p>
      {error?.stale && (
        <div class="err stale" role="alert">
          {error.message}{" "}
          <button type="button" class="reload" onClick={() => void load()}>
            Reload
          </button>
        </div>
      )}
      <div class="field" data-name="yaml">
        <label>
          <span class="label">Rules (YAML)</span>
          <textarea
            name="yaml"
            rows={24}
            spellcheck={false}
            class="rules-yaml"
            value={text}
            aria-invalid={error?.field === "yaml" ? "true" : undefined}
            onInput={(e) => {
              setText((e.target as HTMLTextAreaElement).value);
              setSaved(false);
            }}
          />
        </label>
        <FieldError error={error} name="yaml" />
      </div>
      {problems && problems.length > 0 && (
        <ul class="rules-problems">
          {problems.map((p, i) => (
            <li key={i} data-line={p.line ?? ""}>
              Line {p.line ?? "?"}, field {p.field}: {p.message}
            </li>
          ))}
        </ul>
      )}
      {problems && problems.length === 0 && count !== null && <div class="saved rules-valid">Valid: {count} rule(s).</div>}
      {error && !error.stale && error.field !== "yaml" && <div class="err">{error.message}</div>}
      <div class="settings-actions">
        <button type="button" class="validate" onClick={() => void validate()}>
          Validate
        </button>
        <button type="submit" class="primary save">
          Save
        </button>
        {saved && <span class="saved">Saved · revision {doc?.revision}</span>}
      </div>
    </form>
  );
}
