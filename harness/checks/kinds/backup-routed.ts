// HA-L3-BACKUP, the plane half: with the backup plane routed (no overlay),
// heartbeats and state replication must cross the WAN routed between the
// sites, inside the inter-site links only (no tenant VNI), and must cross at
// all. The failover half is failover-time's. Read on the WAN capture.
import { z } from 'zod';
import { wanEvidence } from '../capture.js';
import type { Checker } from '../context.js';
import type { CheckKind, SpecOf } from '../kind.js';
import { checkFields, vnf } from '../options.js';
import { vnfOf } from '../vnf-history.js';

const options = z.strictObject({
  ...checkFields('backup-routed'),
  vnf,
});

const check: Checker<SpecOf<typeof options>> = (h, ctx) => {
  const v = vnfOf(ctx);
  if (v.backup.network) return { status: 'fail', summary: `VNF ${v.name}'s backup plane is the overlay ${v.backup.network}, not routed at L3`, evidence: {} };
  const wan = wanEvidence(h);
  if (!wan.ok) return { status: 'unknown', summary: wan.why, evidence: {} };
  const flows = wan.flows.filter((f) => f.port === v.backupPort);
  const routed = flows.filter((f) => f.tenantVni === null).reduce((n, f) => n + f.packets, 0);
  const overlay = flows.filter((f) => f.tenantVni !== null);
  const evidence = { backupPort: v.backupPort, routed, overlay, files: wan.captures.map((c) => c.file) };
  if (routed === 0) return { status: 'fail', summary: `no heartbeat or replication packet (UDP ${v.backupPort}) crossed the WAN routed between the sites`, evidence };
  if (overlay.length > 0) {
    const n = overlay.reduce((m, f) => m + f.packets, 0);
    return { status: 'fail', summary: `${n} backup-plane packets crossed inside a tenant overlay (${overlay.map((f) => `VNI ${f.tenantVni}`).join(', ')}), not routed`, evidence };
  }
  return { status: 'pass', summary: `${routed} heartbeat/replication packets crossed the WAN routed between the sites (no tenant VNI)`, evidence };
};

export const backupRouted: CheckKind<typeof options> = {
  options,
  requirements: ['HA-L3-BACKUP'],
  needs: { capture: true },
  check,
};
