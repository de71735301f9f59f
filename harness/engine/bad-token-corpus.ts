// The corpus of bad tokens every region must reject, built from one valid
// token and the provider's secrets as the harness holds them (pure: no I/O;
// randomness and the foreign signing key can be injected).
//
// forged     well-formed for the provider, never issued: a made-up payload
//            under a random Fernet key, 32 random hex (uuid), a body signed
//            by another Ed25519 key (pki)
// tampered   the valid token with one byte changed, still syntactically valid
// expired    a payload Keystone would have issued an hour earlier, under the
//            real keys (fernet, pki); skipped for uuid, whose expiry is a
//            database row the harness can only get by waiting [token]
//            expiration out
// revoked    really issued, then really revoked (the caller does that and
//            passes it in)
// wrong-key  the valid token's exact payload under a key the repository does
//            not hold (fernet) or another signing key (pki); skipped for uuid
// control    the valid token, which must be accepted
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { decrypt, formatKey, generateKey, parseKey, parseToken, pyUrlsafeB64Decode, restorePadding, urlsafeB64Encode, type FernetKeyLike } from '../services/identity/fernet.js';
import { auditIdFromBytes, createToken, keystoneIsotime, unpackPayload, type TokenPayload } from '../services/identity/payload.js';
import { PKI_PREFIX } from '../services/identity/pki.js';
import type { TokenBody } from '../services/identity/model.js';

export const BAD_LABELS = ['forged', 'tampered', 'expired', 'revoked', 'wrong-key'] as const;
export type BadLabel = (typeof BAD_LABELS)[number];
export const CONTROL = 'control';
export type CorpusLabel = BadLabel | typeof CONTROL;

export interface CorpusToken {
  readonly label: CorpusLabel;
  readonly token: string;
  /** how it was made, for the evidence */
  readonly how: string;
}

export interface CorpusSkip {
  readonly label: BadLabel;
  readonly reason: string;
}

export interface Corpus {
  readonly tokens: readonly CorpusToken[];
  readonly skipped: readonly CorpusSkip[];
}

/** What the harness holds of the provider's secrets (it reads them from the auth site's state dir). */
export type ProviderSecrets =
  | { readonly provider: 'fernet'; readonly keys: readonly FernetKeyLike[] } // the repository, primary first
  | { readonly provider: 'uuid' }
  | { readonly provider: 'pki'; readonly privateKey: KeyObject };

export interface CorpusInput {
  readonly secrets: ProviderSecrets;
  /** a token the identity service issued and still accepts: the control */
  readonly valid: string;
  /** a token issued and then revoked */
  readonly revoked: string;
  /** seconds since the epoch */
  readonly now: number;
  /** `[token] expiration` (s): the expired token was issued this long before its expiry */
  readonly tokenExpiration?: number;
  /** how long ago the expired token expired (s): inside allow_expired_window (48 h), so allow_expired shows */
  readonly expiredAgo?: number;
  readonly random?: (n: number) => Uint8Array;
  /** pki: the foreign signing key (default: a fresh Ed25519 key) */
  readonly otherSigningKey?: KeyObject;
}

export class CorpusError extends Error {
  override readonly name = 'CorpusError';
}

const HOUR = 3600;

export function buildCorpus(input: CorpusInput): Corpus {
  const random = input.random ?? randomBytes;
  const control: CorpusToken = { label: CONTROL, token: input.valid, how: 'issued through the API, never revoked' };
  const revoked: CorpusToken = { label: 'revoked', token: input.revoked, how: 'issued through the API, then revoked through the API (DELETE /v3/auth/tokens)' };
  const made = ((): { tokens: CorpusToken[]; skipped: CorpusSkip[] } => {
    const s = input.secrets;
    switch (s.provider) {
      case 'fernet':
        return { tokens: fernetTokens(s.keys, input, random), skipped: [] };
      case 'uuid':
        return uuidTokens(input.valid, random);
      case 'pki':
        return { tokens: pkiTokens(s.privateKey, input, random), skipped: [] };
    }
  })();
  return { tokens: [control, ...made.tokens, revoked], skipped: made.skipped };
}

// ---------------------------------------------------------------- fernet

function fernetTokens(keys: readonly FernetKeyLike[], input: CorpusInput, random: (n: number) => Uint8Array): CorpusToken[] {
  const d = decrypt(keys, input.valid);
  if (!d.ok) throw new CorpusError(`the valid token does not decrypt with the repository (${d.reason}: ${d.detail})`);
  const u = unpackPayload(d.plaintext);
  if (!u.ok) throw new CorpusError(`the valid token's payload does not unpack: ${u.detail}`);
  const payload = u.payload;
  const foreignKey = () => {
    const k = generateKey(random);
    if (keys.some((x) => formatKey(parseKey(x)) === k)) throw new CorpusError('the random key is in the repository');
    return k;
  };
  const iv = () => random(16);

  const madeUp: TokenPayload = {
    version: 2,
    kind: 'project',
    userId: hex(random(16)),
    projectId: hex(random(16)),
    methods: ['password'],
    expiresAt: Math.trunc(input.now) + HOUR,
    auditIds: [auditIdFromBytes(random(16))],
  };
  const { expiresAt, issuedAt } = expiredTimes(input);
  const expired: TokenPayload = { ...payload, expiresAt, auditIds: [auditIdFromBytes(random(16))] };
  const primary = keys[0];
  if (primary === undefined) throw new CorpusError('the key repository holds no key');

  return [
    { label: 'forged', token: createToken(foreignKey(), madeUp, { now: Math.trunc(input.now), iv: iv() }), how: 'a made-up project-scoped payload (random user and project) under a random Fernet key' },
    { label: 'tampered', token: tamperFernet(input.valid), how: 'the valid token with its first ciphertext byte flipped, re-encoded (still a well-formed Fernet token)' },
    { label: 'expired', token: createToken(primary, expired, { now: issuedAt, iv: iv() }), how: `the valid token's payload with expires_at ${keystoneIsotime(expiresAt)} (in the past) and a new audit id, under the repository's primary key` },
    { label: 'wrong-key', token: createToken(foreignKey(), payload, { now: d.timestamp, iv: iv() }), how: "the valid token's exact payload and timestamp under a key the repository does not hold" },
  ];
}

/** Flip one ciphertext byte: the HMAC no longer verifies, every field still parses. */
export function tamperFernet(token: string): string {
  const bytes = pyUrlsafeB64Decode(restorePadding(token));
  if (!bytes || !parseToken(token).ok) throw new CorpusError('the valid token is not a Fernet token');
  const b = Buffer.from(bytes);
  b[25] = b[25]! ^ 0x01; // 25 = version + timestamp + IV: the first ciphertext byte
  const out = urlsafeB64Encode(b, true);
  if (!parseToken(out).ok) throw new CorpusError('tampering broke the token format');
  return out;
}

// ---------------------------------------------------------------- uuid

function uuidTokens(valid: string, random: (n: number) => Uint8Array): { tokens: CorpusToken[]; skipped: CorpusSkip[] } {
  if (!/^[0-9a-f]{32}$/.test(valid)) throw new CorpusError('the valid token is not a UUID token (32 hex)');
  let forged = hex(random(16));
  if (forged === valid) forged = hex(random(16));
  const last = valid.at(-1)!;
  const tampered = valid.slice(0, -1) + ((parseInt(last, 16) + 1) % 16).toString(16);
  return {
    tokens: [
      { label: 'forged', token: forged, how: '32 random hex characters' },
      { label: 'tampered', token: tampered, how: 'the valid token with its last hex digit changed' },
    ],
    skipped: [
      { label: 'expired', reason: 'a UUID token is a database row whose expiry the service sets at issue; an honest expired one needs [token] expiration (1 h) to pass' },
      { label: 'wrong-key', reason: 'a UUID token is a random id: no key is involved' },
    ],
  };
}

// ---------------------------------------------------------------- pki

function pkiTokens(privateKey: KeyObject, input: CorpusInput, random: (n: number) => Uint8Array): CorpusToken[] {
  const body = pkiBody(input.valid);
  const other = input.otherSigningKey ?? generateKeyPairSync('ed25519').privateKey;
  const signWith = (key: KeyObject, b: { token: TokenBody }) => {
    const data = Buffer.from(JSON.stringify(b), 'utf8');
    return `${PKI_PREFIX}${data.toString('base64url')}.${sign(null, data, key).toString('base64url')}`;
  };
  const t = body.token;
  const madeUp = { token: { ...t, user: { ...t.user, id: hex(random(16)) }, audit_ids: [auditIdFromBytes(random(16))] } };
  const { expiresAt, issuedAt } = expiredTimes(input);
  const expired = { token: { ...t, expires_at: keystoneIsotime(expiresAt), issued_at: keystoneIsotime(issuedAt), audit_ids: [auditIdFromBytes(random(16))] } };
  return [
    { label: 'forged', token: signWith(other, madeUp), how: "the valid token's body with a random user id and a new audit id, signed by another Ed25519 key" },
    { label: 'tampered', token: tamperPki(input.valid), how: "the valid token with one digit of expires_at's year changed in the signed body, signature kept" },
    { label: 'expired', token: signWith(privateKey, expired), how: `the valid token's body with expires_at ${keystoneIsotime(expiresAt)} (in the past) and a new audit id, signed by the real key` },
    { label: 'wrong-key', token: signWith(other, body), how: "the valid token's exact body signed by another Ed25519 key" },
  ];
}

function pkiParts(token: string): { data: Buffer; sig: string } {
  const m = /^PKI_([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(token);
  if (!m) throw new CorpusError('the valid token is not a PKI token');
  return { data: Buffer.from(m[1]!, 'base64url'), sig: m[2]! };
}

function pkiBody(token: string): { token: TokenBody } {
  const b = JSON.parse(pkiParts(token).data.toString('utf8')) as { token?: TokenBody };
  if (!b.token?.expires_at) throw new CorpusError('the valid PKI token carries no token body');
  return b as { token: TokenBody };
}

/** One byte of the signed body changed (the last digit of expires_at's year): still JSON, still base64url. */
export function tamperPki(token: string): string {
  const { data, sig } = pkiParts(token);
  const text = data.toString('utf8');
  const at = text.indexOf('"expires_at":"');
  if (at < 0) throw new CorpusError('the valid PKI token has no expires_at');
  const i = at + '"expires_at":"'.length + 3;
  const digit = text.charCodeAt(i) - 48;
  const out = Buffer.from(data);
  out[i] = 48 + ((digit + 1) % 10);
  return `${PKI_PREFIX}${out.toString('base64url')}.${sig}`;
}

// ---------------------------------------------------------------- shared

function expiredTimes(input: CorpusInput): { expiresAt: number; issuedAt: number } {
  const expiresAt = Math.trunc(input.now) - (input.expiredAgo ?? HOUR);
  return { expiresAt, issuedAt: expiresAt - (input.tokenExpiration ?? HOUR) };
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
