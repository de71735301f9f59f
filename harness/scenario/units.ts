// Parsers for the human units scenario files use. Each returns null on bad
// input so the schema can turn that into a message naming the field.

const DURATION = /^(\d+(?:\.\d+)?)\s*(us|ms|s|m)$/;
const RATE = /^(\d+(?:\.\d+)?)\s*(bit|kbit|mbit|gbit)$/i;
const PERCENT = /^(\d+(?:\.\d+)?)\s*%$/;

const DURATION_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };
const RATE_KBIT: Record<string, number> = { bit: 0.001, kbit: 1, mbit: 1000, gbit: 1_000_000 };

/** "50ms", "1.5s", "2m" or a plain number of milliseconds. */
export function parseDuration(v: string | number): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : null;
  const m = DURATION.exec(v.trim());
  return m ? Number(m[1]) * DURATION_MS[m[2]!]! : null;
}

/** "10mbit", "512kbit" -> kbit/s. */
export function parseRate(v: string | number): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v > 0 ? v : null;
  const m = RATE.exec(v.trim());
  return m ? Number(m[1]) * RATE_KBIT[m[2]!.toLowerCase()]! : null;
}

/** "0.5%" or a plain number of percent. */
export function parsePercent(v: string | number): number | null {
  const n = typeof v === 'number' ? v : Number(PERCENT.exec(v.trim())?.[1] ?? NaN);
  return Number.isFinite(n) && n >= 0 && n <= 100 ? n : null;
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 2)} s` : `${+ms.toFixed(2)} ms`;
}
