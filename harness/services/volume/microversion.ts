// Cinder's microversions: `OpenStack-API-Version: volume 3.x` (or the older
// `OpenStack-Volume-microversion: 3.x`), 3.0 when absent, `latest` = the
// newest this emulation speaks; outside [3.0, MAX] is 406. Pure.
export interface Microversion {
  readonly major: number;
  readonly minor: number;
}

export const MIN_VERSION: Microversion = { major: 3, minor: 0 };
/** 3.64 (Train-era Cinder); fields gated above it are not emitted. */
export const MAX_VERSION: Microversion = { major: 3, minor: 64 };

export function format(v: Microversion): string {
  return `${v.major}.${v.minor}`;
}

export function atLeast(v: Microversion, major: number, minor: number): boolean {
  return v.major > major || (v.major === major && v.minor >= minor);
}

/** The requested version, or an error message (answered as 406). */
export function parseVersionHeader(h: string | string[] | undefined, legacy?: string | string[] | undefined): Microversion | { error: string } {
  const one = (x: string | string[] | undefined) => (Array.isArray(x) ? x.join(',') : x);
  let raw: string | undefined;
  const header = one(h);
  if (header !== undefined) {
    const m = header
      .split(',')
      .map((s) => s.trim())
      .find((s) => /^volume\s+/i.test(s));
    raw = m?.replace(/^volume\s+/i, '').trim();
  }
  raw ??= one(legacy)?.trim();
  if (raw === undefined || raw === '') return MIN_VERSION;
  if (raw.toLowerCase() === 'latest') return MAX_VERSION;
  const m = /^(\d+)\.(\d+)$/.exec(raw);
  if (!m) return { error: `Invalid API version ${raw}: expected major.minor (e.g. 3.14) or latest` };
  const v = { major: Number(m[1]), minor: Number(m[2]) };
  if (!atLeast(v, MIN_VERSION.major, MIN_VERSION.minor) || !atLeast(MAX_VERSION, v.major, v.minor))
    return { error: `Version ${raw} is not supported by the API. Minimum is ${format(MIN_VERSION)} and maximum is ${format(MAX_VERSION)}.` };
  return v;
}
