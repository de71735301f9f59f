import { setTimeout as sleep } from 'node:timers/promises';
import { now } from '../observe/history.js';

/** Sleeps until an absolute time; false if aborted first. */
export async function sleepUntil(t: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  try {
    await sleep(Math.max(0, t - now()), undefined, { signal });
    return true;
  } catch {
    return false;
  }
}
