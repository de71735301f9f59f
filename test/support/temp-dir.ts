// Temp dirs of one test (a run's report, a profile): removed when the test
// passes, kept when it fails so its history and pcaps can be read afterwards.
// Each `make test` used to leave ~100 dirs (~130 MB) in /tmp.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';

/** A fresh dir `<tmp>/<prefix>-XXXXXX`; call it inside a test. */
export async function testDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
  onTestFinished(async ({ task }) => {
    if (task.result?.state === 'pass') await rm(dir, { recursive: true, force: true });
    else process.stderr.write(`kept for the post-mortem: ${dir}\n`);
  });
  return dir;
}
