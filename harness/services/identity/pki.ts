// PKI tokens, modernised: Keystone's PKI tokens (Grizzly-Ocata) were the
// whole token body (catalog included) CMS-signed with the signing
// certificate, base64'd with '/' -> '-' ("MII..."). Here the body is compact
// JSON signed with Ed25519 from node:crypto:
//
//   PKI_<base64url(json of {"token": {...}})>.<base64url(64-byte signature)>
//
// What matters for the seed is kept: the token carries the catalog (every
// region's endpoints), so its size grows with regions and endpoints, and any
// holder of the public key validates it offline (keystonemiddleware), asking
// Keystone only for the revocation list. Revoked tokens are listed by the
// SHA-256 of the token (Keystone's `[token] hash_algorithm`, md5 by default
// then).
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const PKI_PREFIX = 'PKI_';

export function isPkiToken(token: string): boolean {
  return token.startsWith(PKI_PREFIX);
}

export function signToken(privateKey: KeyObject, body: unknown): string {
  const data = Buffer.from(JSON.stringify(body), 'utf8');
  const sig = sign(null, data, privateKey);
  return `${PKI_PREFIX}${data.toString('base64url')}.${sig.toString('base64url')}`;
}

export type PkiVerifyResult = { readonly ok: true; readonly body: unknown } | { readonly ok: false; readonly detail: string };

/** Signature check only (no expiry, no revocation). Never throws. */
export function verifyToken(publicKey: KeyObject, token: string): PkiVerifyResult {
  if (!isPkiToken(token)) return { ok: false, detail: 'not a PKI token' };
  const rest = token.slice(PKI_PREFIX.length);
  const dot = rest.indexOf('.');
  if (dot <= 0 || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(rest)) return { ok: false, detail: 'malformed PKI token' };
  const data = Buffer.from(rest.slice(0, dot), 'base64url');
  const sig = Buffer.from(rest.slice(dot + 1), 'base64url');
  let good = false;
  try {
    good = verify(null, data, publicKey, sig);
  } catch {
    good = false;
  }
  if (!good) return { ok: false, detail: 'signature does not verify' };
  try {
    return { ok: true, body: JSON.parse(data.toString('utf8')) as unknown };
  } catch {
    return { ok: false, detail: 'signed data is not JSON' };
  }
}

/** The id a revocation list names a token by. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface PkiKeys {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicPem: string;
}

export function publicKeyFromPem(pem: string): KeyObject {
  return createPublicKey(pem);
}

/**
 * `keystone-manage pki_setup`: the key pair in `dir` (private.pem 0600,
 * public.pem), made if missing. Sites share one pair (the harness copies the
 * directory), as they shared the signing certificate.
 */
export async function setupPkiKeys(dir: string): Promise<PkiKeys & { readonly created: boolean }> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const privPath = join(dir, 'private.pem');
  try {
    const privateKey = createPrivateKey(await readFile(privPath, 'utf8'));
    const publicKey = createPublicKey(privateKey);
    return { privateKey, publicKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), created: false };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const privPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  await writeFile(`${privPath}.tmp`, privPem, { mode: 0o600 });
  await writeFile(join(dir, 'public.pem'), publicPem, { mode: 0o644 });
  await rename(`${privPath}.tmp`, privPath);
  return { privateKey, publicKey, publicPem, created: true };
}
