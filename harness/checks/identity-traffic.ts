// Which identity requests crossed the WAN, from the requests the capture
// decoded: validations, or requests a service makes whatever the number of
// validations (PKI's revocation list and certificates, its login, a region
// without a Keystone registering its catalog entries at start-up), so
// local-validation can tell validation traffic from background traffic (both
// are identity packets), and middleware-region can name a call.
import type { IdentityHttp } from '../observe/identity-http.js';


export type IdentityRequestKind = 'validation' | 'revocation-list' | 'certificates' | 'token issue (login)' | 'catalog registration' | 'other';

/** What an identity request is for, from its "METHOD /path". */
export function requestKind(line: string): IdentityRequestKind {
  const [method, path = ''] = line.split(' ');
  const p = path.replace(/\/+$/, '');
  if (/\/auth\/tokens\/OS-PKI\/revoked$/.test(p)) return 'revocation-list';
  if (/\/OS-SIMPLE-CERT\//.test(p)) return 'certificates';
  if (/\/auth\/tokens$/.test(p) && (method === 'GET' || method === 'HEAD')) return 'validation';
  if (/\/auth\/tokens$/.test(p) && method === 'POST') return 'token issue (login)';
  // services/identity/register-region.ts: once per site, at start-up
  if (/\/v3\/(regions|services|endpoints)(\/[^/]+)?$/.test(p) && ['GET', 'POST', 'DELETE'].includes(method ?? '')) return 'catalog registration';
  return 'other';
}

/** Requests a service makes on a timer or once, whatever the number of validations. */
const BACKGROUND: ReadonlySet<IdentityRequestKind> = new Set(['revocation-list', 'certificates', 'token issue (login)', 'catalog registration']);

export interface IdentityHttpAttribution {
  /** requests seen crossing, by kind */
  readonly requests: Readonly<Partial<Record<IdentityRequestKind, number>>>;
  /** packets on connections that carried a validation */
  readonly validationPackets: number;
  /** packets on connections that carried only background requests */
  readonly backgroundPackets: number;
  /** packets on connections with no request line seen, or other requests: not explained, so not excused */
  readonly unexplainedPackets: number;
}

export function attributeIdentityHttp(http: readonly IdentityHttp[]): IdentityHttpAttribution {
  const requests: Partial<Record<IdentityRequestKind, number>> = {};
  for (const h of http) for (const [line, n] of Object.entries(h.requests)) requests[requestKind(line)] = (requests[requestKind(line)] ?? 0) + n;
  let validationPackets = 0;
  let backgroundPackets = 0;
  let unexplainedPackets = 0;
  for (const c of http.flatMap((h) => h.connections)) {
    // Never empty (split gives one part at least); "unattributed" (no request line seen) reads as one request of kind 'other': unexplained.
    const kinds = c.requests.split(' + ').map(requestKind);
    if (kinds.includes('validation')) validationPackets += c.packets;
    else if (kinds.every((k) => BACKGROUND.has(k))) backgroundPackets += c.packets;
    else unexplainedPackets += c.packets;
  }
  return { requests, validationPackets, backgroundPackets, unexplainedPackets };
}
