import { createElement } from "react";
import { renderToString } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Time } from "@/components/ui/time";
import { formatLocal, formatRelative, formatUtc } from "./time";

const at = new Date("2026-11-27T14:03:09.123Z");

describe("time formatting", () => {
  it("formats UTC unambiguously, with or without seconds", () => {
    expect(formatUtc(at)).toBe("2026-11-27 14:03:09 UTC");
    expect(formatUtc("2026-11-27T14:03:09Z", { seconds: false })).toBe("2026-11-27 14:03 UTC");
  });

  it("formats local time in the reader's time zone", () => {
    expect(formatLocal(at, { locale: "en-GB", timeZone: "Europe/Berlin" })).toBe("27 Nov 2026, 15:03");
    expect(formatLocal(at, { locale: "en-US", timeZone: "America/New_York" })).toBe("Nov 27, 2026, 9:03 AM");
  });

  it("says how long ago or how far ahead, rounding down", () => {
    expect(formatRelative(at, at.getTime() + 20_000)).toBe("just now");
    expect(formatRelative(at, at.getTime() + 3 * 60_000 + 59_000)).toBe("3 minutes ago");
    expect(formatRelative(at, at.getTime() + 60_000)).toBe("1 minute ago");
    expect(formatRelative(at, at.getTime() + 5 * 3600_000)).toBe("5 hours ago");
    expect(formatRelative(at, at.getTime() - 10 * 86400_000)).toBe("in 10 days");
    expect(formatRelative(at, at.getTime() - 2 * 86400_000 - 3600_000)).toBe("in 2 days");
    expect(formatRelative(at, at.getTime() + 86400_000)).toBe("1 day ago");
  });

  it("renders a <time> with the ISO dateTime, UTC as its title, and UTC text on the server (hydration-safe)", () => {
    const html = renderToString(createElement(Time, { value: at }));
    expect(html).toContain('dateTime="2026-11-27T14:03:09.123Z"');
    expect(html).toContain('title="2026-11-27 14:03:09 UTC"');
    expect(html).toContain(">2026-11-27 14:03:09 UTC</time>");
    expect(renderToString(createElement(Time, { value: null }))).toBe("—");
  });
});
