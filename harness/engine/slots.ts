// How many of `msh run --jobs N`'s slots a scenario run takes while it runs.
// Why: timing verdicts measure the emulated cloud on this host, so runs side
// by side must not starve each other. Measured on the 2-core machine
// (docs/ARCHITECTURE.md, "Runs at once"): a scenario with an identity
// service (a Keystone per region, each validating tokens against its
// database) burns ~1.1 cores for its whole run; two at once stretched a
// replica region's revocation window to 1462 ms (limit 1 s). A DR scenario
// starts Swift (4 Python servers, ~1.4 CPU-s each) and MariaDBs in two
// sites; two at once stalled every site's MariaDB start for 19.8 s and Swift
// did not answer within 60 s. So both take two slots; any other run, one.
import type { Scenario } from '../scenario/schema.js';

export function slots(s: Pick<Scenario, 'identity' | 'dr'>): number {
  return s.identity || s.dr ? 2 : 1;
}
