// How every agent reports: one JSON object per event on stdout, timestamped
// when it happens (all containers share the kernel clock) and written in
// batches every 100 ms, so reporting does not take the CPU the measured
// traffic needs. Node built-ins only: agents run with no node_modules.

export type EventType = 'invoke' | 'ok' | 'fail' | 'info';

export const now = (): number => performance.timeOrigin + performance.now();

export interface EventLog {
  emit(type: EventType, f: string, value: Record<string, unknown>): void;
  /** Writes what is pending and stops the batching timer. */
  close(): void;
}

export function eventLog(intervalMs = 100): EventLog {
  let pending = '';
  const flush = () => {
    if (pending) process.stdout.write(pending);
    pending = '';
  };
  const timer = setInterval(flush, intervalMs);
  return {
    emit(type, f, value) {
      pending += JSON.stringify({ t: now(), type, f, value }) + '\n';
    },
    close() {
      clearInterval(timer);
      flush();
    },
  };
}
