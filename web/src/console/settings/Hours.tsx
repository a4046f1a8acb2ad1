// Business hours: always open, or several slots per weekday (company time zone), holidays, and
// what the widget does outside hours. Errors (overlapping slots: `week.mon`) show by the day.

import { useState } from "preact/hooks";
import { CheckField, FieldError, SectionForm, SelectField, errorFor, useSection } from "./form";
import type { StaffSession } from "../../shared/staff";

const DAYS: [string, string][] = [
  ["mon", "Monday"],
  ["tue", "Tuesday"],
  ["wed", "Wednesday"],
  ["thu", "Thursday"],
  ["fri", "Friday"],
  ["sat", "Saturday"],
  ["sun", "Sunday"],
];

type Slot = { start: string; end: string };
const hhmm = (t: string) => t.slice(0, 5);

export function HoursPage({ session }: { session: StaffSession }) {
  const form = useSection(session, "business_hours");
  const week = (form.values?.week as Record<string, Slot[]> | undefined) ?? {};
  const holidays = (form.values?.holidays as string[] | undefined) ?? [];
  const [holidayText, setHolidayText] = useState<string | null>(null);
  const setDay = (day: string, slots: Slot[]) => {
    const next = { ...week, [day]: slots };
    if (slots.length === 0) delete next[day];
    form.set("week", next);
  };
  return (
    <SectionForm title="Business hours" form={form} fields={["always_open", "week", "holidays", "outside_hours"]}>
      <CheckField form={form} name="always_open" label="Always open (ignore the slots below)" />
      <div class="field week" data-name="week">
        {DAYS.map(([day, label]) => {
          const slots = week[day] ?? [];
          const name = `week.${day}`;
          return (
            <div class="day" data-day={day} key={day}>
              <b>{label}</b>
              {slots.length === 0 && <small class="closed">closed</small>}
              {slots.map((slot, i) => (
                <span class="slot" key={i}>
                  <input
                    type="time"
                    aria-label={`${label} slot ${i + 1} start`}
                    value={hhmm(slot.start)}
                    aria-invalid={errorFor(form.error, name) ? "true" : undefined}
                    onInput={(e) => setDay(day, slots.map((s, j) => (j === i ? { ...s, start: (e.target as HTMLInputElement).value } : s)))}
                  />
                  –
                  <input
                    type="time"
                    aria-label={`${label} slot ${i + 1} end`}
                    value={hhmm(slot.end)}
                    onInput={(e) => setDay(day, slots.map((s, j) => (j === i ? { ...s, end: (e.target as HTMLInputElement).value } : s)))}
                  />
                  <button type="button" class="remove" aria-label={`Remove ${label} slot ${i + 1}`} onClick={() => setDay(day, slots.filter((_, j) => j !== i))}>
                    ×
                  </button>
                </span>
              ))}
              <button type="button" class="add-slot" aria-label={`Add a slot on ${label}`} onClick={() => setDay(day, [...slots, { start: "09:00", end: "17:00" }])}>
                +
              </button>
              <FieldError error={form.error} name={name} />
            </div>
          );
        })}
        {form.error?.field === "week" && <FieldError error={form.error} name="week" />}
      </div>
      <div class="field" data-name="holidays">
        <label>
          <span class="label">Holidays (YYYY-MM-DD, comma-separated)</span>
          <input
            name="holidays"
            value={holidayText ?? holidays.join(", ")}
            aria-invalid={errorFor(form.error, "holidays") ? "true" : undefined}
            onInput={(e) => {
              const raw = (e.target as HTMLInputElement).value;
              setHolidayText(raw);
              form.set(
                "holidays",
                raw
                  .split(",")
                  .map((s) => s.trim())
                  .filter(Boolean),
              );
            }}
          />
        </label>
        <FieldError error={form.error} name="holidays" />
      </div>
      <SelectField
        form={form}
        name="outside_hours"
        label="Outside hours"
        options={[
          ["offer_email", "Offer to leave an e-mail"],
          ["bot_only", "The bot answers alone"],
        ]}
      />
    </SectionForm>
  );
}
