// Time-axis labels and CSV export for the dashboard's panels.
//
// The axis bug (issue 16): live points were labelled with { minute, second } only, so four
// minutes of data from 17:17:38 to 17:21:18 read "17:38" to "21:18", which anyone takes for
// hours and minutes. A label now always starts with the hour; a range of days adds the date.

export function axisLabel(at: string | Date, spanSeconds: number, locale?: string): string {
  const when = typeof at === "string" ? new Date(at) : at;
  const format: Intl.DateTimeFormatOptions =
    spanSeconds > 86400
      ? { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }
      : spanSeconds > 3600
        ? { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }
        : { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" };
  return when.toLocaleString(locale ?? [], format);
}

/** Seconds between the first and the last point (0 for fewer than two). */
export function span(times: string[]): number {
  if (times.length < 2) return 0;
  return (new Date(times[times.length - 1]).getTime() - new Date(times[0]).getTime()) / 1000;
}

type Cell = string | number | null | undefined;

function cell(value: Cell): string {
  if (value === null || value === undefined) return "";
  let text = String(value);
  // a spreadsheet runs a cell that starts like a formula: make it text
  if (/^[=+\-@\t\r]/.test(text) && typeof value !== "number") text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(header: string[], rows: Cell[][]): string {
  return [header, ...rows].map((row) => row.map(cell).join(",")).join("\r\n") + "\r\n";
}

export function download(name: string, csv: string): void {
  const url = URL.createObjectURL(new Blob([csv], { type: "text/csv;charset=utf-8" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
