// Time formatting for the UI. Pure functions, so the server, the browser and the tests format alike.

export type TimeInput = Date | string | number;

export function toDate(value: TimeInput): Date {
  return value instanceof Date ? value : new Date(value);
}

/** "2026-11-27 14:03:09 UTC": the unambiguous form, for the hover title and the server's first render. */
export function formatUtc(value: TimeInput, { seconds = true }: { seconds?: boolean } = {}): string {
  return `${toDate(value).toISOString().slice(0, seconds ? 19 : 16).replace("T", " ")} UTC`;
}

/** "27 Nov 2026, 15:03": the reader's own clock, in their locale and time zone. */
export function formatLocal(value: TimeInput, { locale, timeZone }: { locale?: string; timeZone?: string } = {}): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone }).format(toDate(value));
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];

/** "3 minutes ago", "in 2 days", "just now" (under a minute either way). Rounds down, so 10 days never reads "in 9 days". */
export function formatRelative(value: TimeInput, now: TimeInput = Date.now(), { locale = "en" }: { locale?: string } = {}): string {
  const seconds = (toDate(value).getTime() - toDate(now).getTime()) / 1000;
  const format = new Intl.RelativeTimeFormat(locale, { numeric: "always" });
  for (const [unit, size] of UNITS) {
    const amount = Math.trunc(seconds / size);
    if (amount !== 0) return format.format(amount, unit);
  }
  return "just now";
}
