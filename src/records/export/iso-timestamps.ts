const MINUTE_MS = 60_000;

/**
 * `new Date(t).toISOString()` for the timestamps of an export, in time order:
 * the date and the minute are formatted once per minute, the seconds and
 * milliseconds by hand (a Date and its formatting per point were a quarter
 * of the NDJSON export's CPU). The same text for every timestamp.
 */
export function isoTimestamps(): (t: number) => string {
  let minute = NaN;
  // `YYYY-MM-DDTHH:MM:` of `minute`; empty when its text is not the usual 24 characters (years past 9999).
  let prefix = '';
  return (t) => {
    const inMinute = t - Math.floor(t / MINUTE_MS) * MINUTE_MS;
    if (!Number.isInteger(t)) return new Date(t).toISOString();
    if (t - inMinute !== minute) {
      minute = t - inMinute;
      const text = new Date(minute).toISOString();
      prefix = text.length === 24 ? text.slice(0, 17) : '';
    }
    if (prefix === '') return new Date(t).toISOString();
    const seconds = Math.floor(inMinute / 1000);
    const ms = inMinute - seconds * 1000;
    return `${prefix}${seconds < 10 ? '0' : ''}${seconds}.${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
  };
}
