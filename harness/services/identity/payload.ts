/**
 * Keystone's Fernet token payloads (keystone/token/token_formatters.py, Zed)
 * and the token provider built on them: `createToken` / `validateToken`.
 *
 * A payload is `msgpack.packb((version,) + fields)` (python-msgpack 1.0,
 * use_bin_type=True). Layouts, by version:
 *
 *   0 unscoped                 [0, user, methods, expires, audit_ids]
 *   1 domain                   [1, user, methods, domain_id RAW, expires, audit_ids]
 *   2 project                  [2, user, methods, project, expires, audit_ids]
 *   3 trust                    [3, user, methods, project, expires, audit_ids, trust_id RAW]
 *   4 federated unscoped       [4, user, methods, [group...], idp, protocol_id str, expires, audit_ids]
 *   5 federated project        [5, user, methods, project, [group...], idp, protocol_id str, expires, audit_ids]
 *   6 federated domain         [6, user, methods, domain, [group...], idp, protocol_id str, expires, audit_ids]
 *   7 oauth1                   [7, user, methods, project, access_token, expires, audit_ids]
 *   8 system                   [8, user, methods, system str, expires, audit_ids]
 *   9 application credential   [9, user, methods, project, expires, audit_ids, app_cred]
 *
 * user/project/group/idp/access_token/app_cred are pairs: `[true, 16 raw
 * bytes]` when the id parses as a UUID (Python `uuid.UUID(id)`: dashes,
 * braces, `urn:uuid:`, upper case all accepted; the hex comes back lower case
 * without dashes), else `[false, str]`. The domain id of version 1 is raw: 16
 * bytes, or the `[identity] default_domain_id` string; any other non-UUID
 * domain id is refused, as Keystone refuses it. The trust id is raw 16 bytes
 * and must be a UUID. `methods` is a bitmask over `[auth] methods` (default
 * external=1, password=2, token=4, oauth1=8, mapped=16,
 * application_credential=32). `expires` is a msgpack float64 of seconds since
 * the epoch. Audit ids are 16 raw bytes, shown as 22-char url-safe base64
 * without padding.
 *
 * Version 10 (OAuth2 mTLS) only exists from Keystone 2023.1 on and is
 * reported as unsupported, as Zed reports any unknown version.
 *
 * Encoding uses @msgpack/msgpack. It reproduces python-msgpack byte for byte
 * for every type Keystone emits except one: a JS number with an integral value
 * is written as a msgpack integer, while Python writes its float as float64.
 * The top-level tuple is therefore written as an array header followed by
 * each field encoded separately, `expires_at` with `forceIntegerToFloat`.
 */
import { decode, encode } from '@msgpack/msgpack';
import {
  type FernetFailureReason,
  type FernetKeyLike,
  MAX_TOKEN_SIZE,
  decrypt,
  encrypt,
  pyInt,
  pyUrlsafeB64Decode,
  urlsafeB64Encode,
} from './fernet.js';

/** `[auth] methods` default, in order: bit i of the bitmask is method i. */
export const DEFAULT_AUTH_METHODS: readonly string[] = [
  'external',
  'password',
  'token',
  'oauth1',
  'mapped',
  'application_credential',
];

/** `[identity] default_domain_id` default. */
export const DEFAULT_DOMAIN_ID = 'default';

/** `[token] allow_expired_window` default (seconds), used with `?allow_expired=1`. */
export const DEFAULT_ALLOW_EXPIRED_WINDOW = 172800;

export interface PayloadOptions {
  /** `[auth] methods`; default DEFAULT_AUTH_METHODS */
  readonly authMethods?: readonly string[];
  /** `[identity] default_domain_id`; default 'default' */
  readonly defaultDomainId?: string;
}

interface PayloadCommon {
  readonly userId: string;
  /** auth method names; decoded in Keystone's order (highest bit first, e.g. ['token', 'password']) */
  readonly methods: readonly string[];
  /** seconds since the epoch (a float in the payload; whole seconds as Keystone issues them) */
  readonly expiresAt: number;
  /** 22-char url-safe base64 audit ids, as in Keystone's token body (new id first, parent's second) */
  readonly auditIds: readonly string[];
}

export interface UnscopedPayload extends PayloadCommon {
  readonly version: 0;
  readonly kind: 'unscoped';
}
export interface DomainScopedPayload extends PayloadCommon {
  readonly version: 1;
  readonly kind: 'domain';
  readonly domainId: string;
}
export interface ProjectScopedPayload extends PayloadCommon {
  readonly version: 2;
  readonly kind: 'project';
  readonly projectId: string;
}
export interface TrustScopedPayload extends PayloadCommon {
  readonly version: 3;
  readonly kind: 'trust';
  readonly projectId: string;
  readonly trustId: string;
}
interface FederatedFields {
  readonly groupIds: readonly string[];
  readonly identityProviderId: string;
  readonly protocolId: string;
}
export interface FederatedUnscopedPayload extends PayloadCommon, FederatedFields {
  readonly version: 4;
  readonly kind: 'federated-unscoped';
}
export interface FederatedProjectScopedPayload extends PayloadCommon, FederatedFields {
  readonly version: 5;
  readonly kind: 'federated-project';
  readonly projectId: string;
}
export interface FederatedDomainScopedPayload extends PayloadCommon, FederatedFields {
  readonly version: 6;
  readonly kind: 'federated-domain';
  readonly domainId: string;
}
export interface OAuth1ScopedPayload extends PayloadCommon {
  readonly version: 7;
  readonly kind: 'oauth1';
  readonly projectId: string;
  readonly accessTokenId: string;
}
export interface SystemScopedPayload extends PayloadCommon {
  readonly version: 8;
  readonly kind: 'system';
  /** 'all' for `{"system": {"all": true}}` */
  readonly system: string;
}
export interface ApplicationCredentialPayload extends PayloadCommon {
  readonly version: 9;
  readonly kind: 'application-credential';
  readonly projectId: string;
  readonly applicationCredentialId: string;
}

export type TokenPayload =
  | UnscopedPayload
  | DomainScopedPayload
  | ProjectScopedPayload
  | TrustScopedPayload
  | FederatedUnscopedPayload
  | FederatedProjectScopedPayload
  | FederatedDomainScopedPayload
  | OAuth1ScopedPayload
  | SystemScopedPayload
  | ApplicationCredentialPayload;

export type PayloadKind = TokenPayload['kind'];
export type PayloadVersion = TokenPayload['version'];

export const PAYLOAD_VERSIONS: { readonly [K in PayloadKind]: Extract<TokenPayload, { kind: K }>['version'] } = {
  unscoped: 0,
  domain: 1,
  project: 2,
  trust: 3,
  'federated-unscoped': 4,
  'federated-project': 5,
  'federated-domain': 6,
  oauth1: 7,
  system: 8,
  'application-credential': 9,
};

export type PayloadFailureReason =
  /** version not in 0..9 (Keystone: "This is not a recognized Fernet payload version") */
  | 'unsupported-version'
  /** not msgpack, or fields of the wrong shape (Keystone would fail with a 500) */
  | 'malformed-payload';

export type UnpackResult =
  | { readonly ok: true; readonly payload: TokenPayload }
  | { readonly ok: false; readonly reason: PayloadFailureReason; readonly detail: string };

export class PayloadError extends Error {
  override readonly name = 'PayloadError';
  readonly reason: PayloadFailureReason | 'invalid-field';
  constructor(reason: PayloadFailureReason | 'invalid-field', message: string) {
    super(message);
    this.reason = reason;
  }
}

// ---------------------------------------------------------------------------
// field conversions (BasePayload helpers)

/**
 * `uuid.UUID(value).bytes` (CPython 3.11), or null where it raises ValueError.
 */
export function uuidHexToBytes(value: string): Uint8Array | null {
  let hex = value.split('urn:').join('').split('uuid:').join('');
  hex = hex.replace(/^[{}]+|[{}]+$/g, '').split('-').join('');
  if ([...hex].length !== 32) return null;
  const n = pyInt(hex, 16);
  if (n === null || n < 0n || n >= 1n << 128n) return null;
  return Buffer.from(n.toString(16).padStart(32, '0'), 'hex');
}

/** `uuid.UUID(bytes=b).hex` */
export function uuidBytesToHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** `attempt_convert_uuid_hex_to_bytes`: `[true, 16 bytes]` for a UUID, else `[false, value]`. */
export function packId(id: string): [true, Uint8Array] | [false, string] {
  const b = uuidHexToBytes(id);
  return b ? [true, b] : [false, id];
}

/** `convert_method_list_to_integer`: the sum of the bits of the known methods (unknown ones count 0). */
export function methodsToBitmask(methods: readonly string[], authMethods: readonly string[] = DEFAULT_AUTH_METHODS): number {
  let sum = 0;
  for (const m of methods) {
    authMethods.forEach((name, i) => {
      if (name === m) sum += 2 ** i;
    });
  }
  return sum;
}

/** `convert_integer_to_method_list`: highest bit first. */
export function bitmaskToMethods(mask: number, authMethods: readonly string[] = DEFAULT_AUTH_METHODS): string[] {
  if (mask === 0) return [];
  const out: string[] = [];
  let rest = mask;
  for (let i = authMethods.length - 1; i >= 0; i--) {
    const bit = 2 ** i;
    if (Math.trunc(rest / bit) === 1) {
      out.push(authMethods[i]!);
      rest -= bit;
    }
  }
  return out;
}

/** `random_urlsafe_str_to_bytes`: `urlsafe_b64decode(s + '==')`. */
export function auditIdToBytes(id: string): Uint8Array {
  const b = pyUrlsafeB64Decode(`${id}==`);
  if (b === null) throw new PayloadError('invalid-field', `audit id ${JSON.stringify(id)} is not url-safe base64`);
  return b;
}

/** `base64_encode`: url-safe base64 without padding. */
export function auditIdFromBytes(b: Uint8Array): string {
  return urlsafeB64Encode(b, true);
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Whole seconds of `datetime.fromtimestamp(t)` (microseconds rounded half-even, then dropped). */
function wholeSeconds(t: number): number {
  let secs = Math.trunc(t);
  const us = roundHalfEven((t - secs) * 1e6);
  if (us >= 1_000_000) secs += 1;
  else if (us < 0) secs -= 1;
  return secs;
}

/**
 * Keystone's `isotime(datetime.fromtimestamp(t), subsecond=True)`: microseconds
 * are dropped, so always `YYYY-MM-DDTHH:MM:SS.000000Z`.
 */
export function keystoneIsotime(t: number): string {
  return new Date(wholeSeconds(t) * 1000).toISOString().replace(/\.\d{3}Z$/, '.000000Z');
}

/**
 * Keystone's expiry check (`TokenManager._is_valid_token`): valid while
 * `now < expires_at (whole seconds) + window`. `windowSeconds` is 0, or
 * `[token] allow_expired_window` for `?allow_expired=1`.
 */
export function isExpired(expiresAt: number, now: number, windowSeconds = 0): boolean {
  return !(now < wholeSeconds(expiresAt) + windowSeconds);
}

// ---------------------------------------------------------------------------
// pack

function mpArrayHeader(n: number): Uint8Array {
  if (n < 16) return Uint8Array.of(0x90 | n);
  return Uint8Array.of(0xdc, n >> 8, n & 0xff);
}

function expiresField(expiresAt: number): number {
  if (!Number.isFinite(expiresAt)) throw new PayloadError('invalid-field', `expiresAt ${expiresAt} is not a finite number`);
  return expiresAt;
}

function domainRaw(domainId: string, defaultDomainId: string): Uint8Array | string {
  const b = uuidHexToBytes(domainId);
  if (b) return b;
  if (domainId === defaultDomainId) return domainId;
  throw new PayloadError('invalid-field', `domain id ${JSON.stringify(domainId)} is neither a UUID nor the default domain id`);
}

function trustRaw(trustId: string): Uint8Array {
  const b = uuidHexToBytes(trustId);
  if (!b) throw new PayloadError('invalid-field', `trust id ${JSON.stringify(trustId)} is not a UUID`);
  return b;
}

/**
 * `msgpack.packb((version,) + PayloadClass.assemble(...))`: the exact bytes
 * Keystone encrypts. Throws PayloadError where Keystone's `assemble` raises.
 */
export function packPayload(p: TokenPayload, opts: PayloadOptions = {}): Uint8Array {
  const authMethods = opts.authMethods ?? DEFAULT_AUTH_METHODS;
  const methods = methodsToBitmask(p.methods, authMethods);
  const user = packId(p.userId);
  const audit = p.auditIds.map(auditIdToBytes);
  const EXPIRES = Symbol('expires');
  let fields: unknown[];
  switch (p.kind) {
    case 'unscoped':
      fields = [user, methods, EXPIRES, audit];
      break;
    case 'domain':
      fields = [user, methods, domainRaw(p.domainId, opts.defaultDomainId ?? DEFAULT_DOMAIN_ID), EXPIRES, audit];
      break;
    case 'project':
      fields = [user, methods, packId(p.projectId), EXPIRES, audit];
      break;
    case 'trust':
      fields = [user, methods, packId(p.projectId), EXPIRES, audit, trustRaw(p.trustId)];
      break;
    case 'federated-unscoped':
      fields = [user, methods, p.groupIds.map(packId), packId(p.identityProviderId), p.protocolId, EXPIRES, audit];
      break;
    case 'federated-project':
    case 'federated-domain': {
      const scope = p.kind === 'federated-project' ? p.projectId : p.domainId;
      fields = [user, methods, packId(scope), p.groupIds.map(packId), packId(p.identityProviderId), p.protocolId, EXPIRES, audit];
      break;
    }
    case 'oauth1':
      fields = [user, methods, packId(p.projectId), packId(p.accessTokenId), EXPIRES, audit];
      break;
    case 'system':
      fields = [user, methods, p.system, EXPIRES, audit];
      break;
    case 'application-credential':
      fields = [user, methods, packId(p.projectId), EXPIRES, audit, packId(p.applicationCredentialId)];
      break;
    default: {
      const never: never = p;
      throw new PayloadError('unsupported-version', `unknown payload kind ${JSON.stringify((never as { kind?: unknown }).kind)}`);
    }
  }
  const parts: Uint8Array[] = [mpArrayHeader(fields.length + 1), encode(PAYLOAD_VERSIONS[p.kind])];
  for (const f of fields) {
    parts.push(f === EXPIRES ? encode(expiresField(p.expiresAt), { forceIntegerToFloat: true }) : encode(f));
  }
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------------------
// unpack

class Malformed extends Error {}

const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;

/** Python truthiness of a msgpack value. */
function pyTruthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false) return false;
  if (typeof v === 'number') return v !== 0; // NaN is truthy in Python
  if (typeof v === 'string' || Array.isArray(v) || isBytes(v)) return v.length > 0;
  return true;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function utf8(b: Uint8Array): string {
  try {
    return strictUtf8.decode(b);
  } catch {
    throw new Malformed('bytes are not valid UTF-8');
  }
}

/** `_convert_or_decode((is_stored_as_bytes, value))` */
function unpackId(pair: unknown, what: string): string {
  if (!Array.isArray(pair) || pair.length !== 2) throw new Malformed(`${what}: expected an (is_bytes, value) pair`);
  const [flag, value] = pair as [unknown, unknown];
  if (pyTruthy(flag)) {
    if (!isBytes(value) || value.length !== 16) throw new Malformed(`${what}: flagged as UUID bytes but not 16 bytes`);
    return uuidBytesToHex(value);
  }
  if (isBytes(value)) return utf8(value);
  if (typeof value === 'string') return value;
  throw new Malformed(`${what}: not a string`);
}

function unpackMethods(v: unknown, authMethods: readonly string[]): string[] {
  if (typeof v === 'boolean') return bitmaskToMethods(Number(v), authMethods);
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Malformed('methods: not an integer');
  return bitmaskToMethods(v, authMethods);
}

// datetime range: year 1 .. 9999
const MIN_TS = -62135596800;
const MAX_TS = 253402300799;

function unpackExpires(v: unknown): number {
  const t = typeof v === 'boolean' ? Number(v) : v;
  if (typeof t !== 'number' || !Number.isFinite(t)) throw new Malformed('expires_at: not a number');
  const s = wholeSeconds(t);
  if (s < MIN_TS || s > MAX_TS) throw new Malformed(`expires_at ${t} is outside the datetime range`);
  return t;
}

function unpackAudit(v: unknown): string[] {
  if (!Array.isArray(v)) throw new Malformed('audit_ids: not a list');
  return v.map((a) => {
    if (!isBytes(a)) throw new Malformed('audit_ids: an element is not bytes');
    return auditIdFromBytes(a);
  });
}

function unpackText(v: unknown, what: string): string {
  if (isBytes(v)) return utf8(v);
  if (typeof v === 'string') return v;
  throw new Malformed(`${what}: not a string`);
}

function unpackDomainRaw(v: unknown, defaultDomainId: string): string {
  if (isBytes(v) && v.length === 16) return uuidBytesToHex(v);
  // uuid.UUID(bytes=<str of length 16>) fails an assert in Keystone (HTTP 500)
  if (typeof v === 'string' && [...v].length === 16) throw new Malformed('domain_id: a 16-character str');
  const s = isBytes(v) ? utf8(v) : v;
  if (typeof s === 'string' && s === defaultDomainId) return s;
  throw new Malformed('domain_id: neither 16 UUID bytes nor the default domain id');
}

function unpackTrust(v: unknown): string {
  if (!isBytes(v) || v.length !== 16) throw new Malformed('trust_id: not 16 bytes');
  return uuidBytesToHex(v);
}

/** Python `version == N` also matches True/False and N.0 */
function versionOf(v: unknown): number | null {
  if (typeof v === 'boolean') return Number(v);
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  return null;
}

function hasInvalidUtf8(normal: unknown, raw: unknown): boolean {
  if (typeof normal === 'string' && isBytes(raw)) {
    try {
      strictUtf8.decode(raw);
      return false;
    } catch {
      return true;
    }
  }
  if (Array.isArray(normal) && Array.isArray(raw)) return normal.some((n, i) => hasInvalidUtf8(n, raw[i]));
  return false;
}

/**
 * `msgpack.unpackb(b)` falling back to `raw=True` on a UnicodeDecodeError, as
 * Keystone does for tokens of msgpack < 1.0 (where every str is bytes).
 */
function msgpackUnpack(bytes: Uint8Array): unknown {
  const normal = decode(bytes);
  const raw = decode(bytes, { rawStrings: true });
  return hasInvalidUtf8(normal, raw) ? raw : normal;
}

const NEEDED_FIELDS: Record<PayloadVersion, number> = { 0: 4, 1: 5, 2: 5, 3: 6, 4: 7, 5: 8, 6: 8, 7: 6, 8: 5, 9: 6 };

function disassemble(version: PayloadVersion, f: readonly unknown[], opts: PayloadOptions): TokenPayload {
  if (f.length < NEEDED_FIELDS[version]) {
    throw new Malformed(`payload version ${version} needs ${NEEDED_FIELDS[version]} fields, got ${f.length}`);
  }
  const authMethods = opts.authMethods ?? DEFAULT_AUTH_METHODS;
  const userId = unpackId(f[0], 'user_id');
  const methods = unpackMethods(f[1], authMethods);
  switch (version) {
    case 0:
      return { version, kind: 'unscoped', userId, methods, expiresAt: unpackExpires(f[2]), auditIds: unpackAudit(f[3]) };
    case 1: {
      const domainId = unpackDomainRaw(f[2], opts.defaultDomainId ?? DEFAULT_DOMAIN_ID);
      return { version, kind: 'domain', userId, methods, domainId, expiresAt: unpackExpires(f[3]), auditIds: unpackAudit(f[4]) };
    }
    case 2: {
      const projectId = unpackId(f[2], 'project_id');
      return { version, kind: 'project', userId, methods, projectId, expiresAt: unpackExpires(f[3]), auditIds: unpackAudit(f[4]) };
    }
    case 3: {
      const projectId = unpackId(f[2], 'project_id');
      const expiresAt = unpackExpires(f[3]);
      const auditIds = unpackAudit(f[4]);
      return { version, kind: 'trust', userId, methods, projectId, expiresAt, auditIds, trustId: unpackTrust(f[5]) };
    }
    case 4: {
      if (!Array.isArray(f[2])) throw new Malformed('group_ids: not a list');
      const groupIds = f[2].map((g) => unpackId(g, 'group_id'));
      const identityProviderId = unpackId(f[3], 'identity_provider_id');
      const protocolId = unpackText(f[4], 'protocol_id');
      return {
        version, kind: 'federated-unscoped', userId, methods, groupIds, identityProviderId, protocolId,
        expiresAt: unpackExpires(f[5]), auditIds: unpackAudit(f[6]),
      };
    }
    case 5:
    case 6: {
      const scopeId = unpackId(f[2], 'scope_id');
      if (!Array.isArray(f[3])) throw new Malformed('group_ids: not a list');
      const groupIds = f[3].map((g) => unpackId(g, 'group_id'));
      const identityProviderId = unpackId(f[4], 'identity_provider_id');
      const protocolId = unpackText(f[5], 'protocol_id');
      const common = { userId, methods, groupIds, identityProviderId, protocolId, expiresAt: unpackExpires(f[6]), auditIds: unpackAudit(f[7]) };
      return version === 5
        ? { version, kind: 'federated-project', projectId: scopeId, ...common }
        : { version, kind: 'federated-domain', domainId: scopeId, ...common };
    }
    case 7: {
      const projectId = unpackId(f[2], 'project_id');
      const accessTokenId = unpackId(f[3], 'access_token_id');
      return { version, kind: 'oauth1', userId, methods, projectId, accessTokenId, expiresAt: unpackExpires(f[4]), auditIds: unpackAudit(f[5]) };
    }
    case 8: {
      const system = unpackText(f[2], 'system');
      return { version, kind: 'system', userId, methods, system, expiresAt: unpackExpires(f[3]), auditIds: unpackAudit(f[4]) };
    }
    case 9: {
      const projectId = unpackId(f[2], 'project_id');
      const expiresAt = unpackExpires(f[3]);
      const auditIds = unpackAudit(f[4]);
      const applicationCredentialId = unpackId(f[5], 'application_credential_id');
      return { version, kind: 'application-credential', userId, methods, projectId, expiresAt, auditIds, applicationCredentialId };
    }
  }
}

/** The inverse of packPayload (`TokenFormatter.validate_token` minus the crypto). Never throws. */
export function unpackPayload(bytes: Uint8Array, opts: PayloadOptions = {}): UnpackResult {
  let value: unknown;
  try {
    value = msgpackUnpack(bytes);
  } catch (e) {
    return { ok: false, reason: 'malformed-payload', detail: `not msgpack: ${(e as Error).message}` };
  }
  if (!Array.isArray(value) || value.length === 0) {
    return { ok: false, reason: 'malformed-payload', detail: 'payload is not a non-empty msgpack array' };
  }
  const version = versionOf(value[0]);
  if (version === null || version < 0 || version > 9) {
    return {
      ok: false,
      reason: 'unsupported-version',
      detail: `This is not a recognized Fernet payload version: ${isBytes(value[0]) ? `b'${Buffer.from(value[0]).toString('latin1')}'` : String(value[0])}`,
    };
  }
  try {
    return { ok: true, payload: disassemble(version as PayloadVersion, value.slice(1), opts) };
  } catch (e) {
    if (e instanceof Malformed) return { ok: false, reason: 'malformed-payload', detail: e.message };
    return { ok: false, reason: 'malformed-payload', detail: String(e) };
  }
}

// ---------------------------------------------------------------------------
// the token provider

export interface CreateTokenOptions extends PayloadOptions {
  /** Fernet timestamp = issued_at, seconds since the epoch; default now */
  readonly now?: number;
  /** 16-byte IV; default random */
  readonly iv?: Uint8Array;
}

/**
 * `TokenFormatter.create_token`: pack the payload and Fernet-encrypt it with
 * the primary key (pass `keys[0]` of `load()`). Returns the token without `=`.
 */
export function createToken(primaryKey: FernetKeyLike, payload: TokenPayload, opts: CreateTokenOptions = {}): string {
  return encrypt(primaryKey, packPayload(payload, opts), { now: opts.now, iv: opts.iv });
}

/** Whether Keystone would log the token as over `max_token_size` (255). */
export function exceedsMaxTokenSize(token: string, maxTokenSize = MAX_TOKEN_SIZE): boolean {
  return token.length > maxTokenSize;
}

export interface ValidateTokenOptions extends PayloadOptions {
  /** current time, seconds since the epoch (may be fractional); default now */
  readonly now?: number;
  /** seconds accepted past expiry: 0, or allow_expired_window (172800) for ?allow_expired=1 */
  readonly allowExpiredWindow?: number;
}

export interface ValidatedToken {
  readonly ok: true;
  readonly payload: TokenPayload;
  /** Keystone's `issued_at`, from the Fernet timestamp */
  readonly issuedAt: string;
  /** Keystone's `expires_at` */
  readonly expiresAt: string;
  readonly timestamp: number;
  /** index in `keys` of the key that decrypted the token */
  readonly keyIndex: number;
}

export type TokenRejection =
  | {
      readonly ok: false;
      readonly reason: 'unrecognized';
      readonly fernetReason: FernetFailureReason;
      readonly detail: string;
      /** Keystone answers 404 with this message */
      readonly message: 'Could not recognize Fernet token';
    }
  | {
      readonly ok: false;
      readonly reason: PayloadFailureReason;
      readonly detail: string;
      readonly message: string;
    }
  | {
      readonly ok: false;
      readonly reason: 'expired';
      readonly payload: TokenPayload;
      readonly detail: string;
      /** Keystone answers 404 with this message */
      readonly message: 'Failed to validate token';
    };

/**
 * What Keystone's token provider concludes from a token and its key
 * repository: decrypt (any key), unpack, check expiry. Revocation lives in
 * Keystone's database and is not decided here. Never throws.
 */
export function validateToken(
  keys: readonly FernetKeyLike[],
  token: string,
  opts: ValidateTokenOptions = {},
): ValidatedToken | TokenRejection {
  const d = decrypt(keys, token);
  if (!d.ok) {
    return { ok: false, reason: 'unrecognized', fernetReason: d.reason, detail: d.detail, message: 'Could not recognize Fernet token' };
  }
  const u = unpackPayload(d.plaintext, opts);
  if (!u.ok) {
    const message =
      u.reason === 'unsupported-version' ? u.detail : 'An unexpected error prevented the server from fulfilling your request.';
    return { ok: false, reason: u.reason, detail: u.detail, message };
  }
  const now = opts.now ?? Date.now() / 1000;
  const expiresAt = keystoneIsotime(u.payload.expiresAt);
  if (isExpired(u.payload.expiresAt, now, opts.allowExpiredWindow ?? 0)) {
    return {
      ok: false,
      reason: 'expired',
      payload: u.payload,
      detail: `expired at ${expiresAt}`,
      message: 'Failed to validate token',
    };
  }
  return { ok: true, payload: u.payload, issuedAt: keystoneIsotime(d.timestamp), expiresAt, timestamp: d.timestamp, keyIndex: d.keyIndex };
}
