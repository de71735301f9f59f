// Requests at a steady rate for a duration, never waiting for earlier
// answers (a stalled server shows as latency and timeouts, not as a slower
// rate); then up to `timeoutMs` for the last answers before `onEnd`.
import { now } from './events.js';

export interface Paced {
  readonly rate: number; // per second
  readonly durationMs: number;
  readonly timeoutMs: number;
  /** Sends request number n (from 1); calls `settled` once, when it is answered or given up. */
  send(n: number, settled: () => void): void;
  onEnd(): void;
}

export function paced(p: Paced): void {
  const interval = 1000 / p.rate;
  const start = now();
  let seq = 0;
  let inFlight = 0;
  const settled = () => {
    inFlight -= 1;
  };
  const tick = () => {
    if (now() - start >= p.durationMs) {
      const stop = () => (inFlight > 0 && now() - start < p.durationMs + p.timeoutMs ? setTimeout(stop, 20) : p.onEnd());
      stop();
      return;
    }
    seq += 1;
    inFlight += 1;
    p.send(seq, settled);
    setTimeout(tick, Math.max(0, start + seq * interval - now()));
  };
  tick();
}
