// HA-BACKUP-L2-OVERLAY: heartbeats and state replication cross the WAN only
// inside the backup plane's tenant overlay (its VNI, inside the inter-site
// links), and cross at all. Read on the WAN capture.
import { z } from 'zod';
import { wanEvidence } from '../capture.js';
import type { Checker } from '../context.js';
import type { CheckKind, SpecOf } from '../kind.js';
import { checkFields, vnf } from '../options.js';
import { vnfOf } from '../vnf-history.js';
import { vniAt } from '../../topology/overlay.js';

const options = z.strictObject({
  ...checkFields('backup-on-overlay'),
  vnf,
});

const check: Checker<SpecOf<typeof options>> = (h, ctx) => {
  const v = vnfOf(ctx);
  if (!v.backup.network) return { status: 'fail', summary: `VNF ${v.name}'s backup plane is L3 (routed over the site LANs), not an L2 overlay`, evidence: {} };
  const network = ctx.scenario.networks.find((n) => n.name === v.backup.network)!;
  // Regions that allocate VNIs themselves (`vniBySite`) put the same overlay on other VNIs: any of them is the overlay.
  const vnis = [...new Set(network.sites.map((s) => vniAt(network, s)))].sort((a, b) => a - b);
  const backupVni = vnis.join('/');
  const wan = wanEvidence(h);
  if (!wan.ok) return { status: 'unknown', summary: wan.why, evidence: {} };
  const { captures } = wan;
  const flows = wan.flows.filter((f) => f.port === v.backupPort);
  const onOverlay = flows.filter((f) => f.tenantVni !== null && vnis.includes(f.tenantVni)).reduce((n, f) => n + f.packets, 0);
  const elsewhere = flows.filter((f) => f.tenantVni === null || !vnis.includes(f.tenantVni));
  const evidence = { backupVni: network.vni, backupVnis: vnis, backupPort: v.backupPort, onOverlay, elsewhere, files: captures.map((c) => c.file) };
  if (onOverlay === 0) return { status: 'fail', summary: `no heartbeat or replication packet (UDP ${v.backupPort}) crossed the WAN inside VNI ${backupVni}`, evidence };
  if (elsewhere.length > 0) {
    const n = elsewhere.reduce((m, f) => m + f.packets, 0);
    return { status: 'fail', summary: `${n} backup-plane packets crossed the WAN outside VNI ${backupVni} (${elsewhere.map((f) => `VNI ${f.tenantVni ?? 'none'}`).join(', ')})`, evidence };
  }
  return { status: 'pass', summary: `${onOverlay} heartbeat/replication packets crossed the WAN, all as VXLAN VNI ${backupVni} inside the inter-site links`, evidence };
};

export const backupOnOverlay: CheckKind<typeof options> = {
  options,
  requirements: ['HA-BACKUP-L2-OVERLAY'],
  needs: { capture: true },
  check,
};
