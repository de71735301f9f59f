// Keystone's Fernet token provider against ground truth from a real Keystone
// (Zed): fixtures/keystone-fernet/ holds the key repository Keystone wrote and
// 20 tokens it issued or was shown, with the status and body it answered.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MAX_TOKEN_SIZE,
  decrypt,
  encrypt,
  formatKey,
  parseKey,
  parseToken,
  pyUrlsafeB64Decode,
  restorePadding,
} from '../../harness/services/identity/fernet.js';
import {
  type RepositoryKey,
  describeLayout,
  distribute,
  load,
  planRotation,
  planSetup,
  rotate,
  setup,
} from '../../harness/services/identity/keys.js';
import {
  type PayloadOptions,
  type TokenPayload,
  PayloadError,
  bitmaskToMethods,
  createToken,
  keystoneIsotime,
  methodsToBitmask,
  packId,
  packPayload,
  unpackPayload,
  validateToken,
} from '../../harness/services/identity/payload.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIX = join(ROOT, 'fixtures', 'keystone-fernet');

interface Validation {
  status: number;
  observed_at: string;
  body: { token?: KeystoneToken; error?: { code: number; message: string } };
}
interface KeystoneToken {
  methods: string[];
  user: { id: string };
  audit_ids: string[];
  expires_at: string;
  issued_at: string;
  project?: { id: string };
  domain?: { id: string };
  system?: Record<string, boolean>;
  'OS-TRUST:trust'?: { id: string };
  application_credential?: { id: string };
}
interface Case {
  name: string;
  kind: string;
  negative: boolean;
  token: string;
  token_length: number;
  encrypted_with_key_index?: number;
  fernet?: { timestamp: number; iv_hex: string; hmac_hex: string; total_bytes: number };
  payload_msgpack_hex?: string;
  payload?: unknown[];
  expected_status: number;
  validation: Validation;
  validation_at_issue?: Validation;
  validation_before_revocation?: Validation;
  validation_before_expiry?: Validation;
  validation_allow_expired?: Validation;
  final_validation?: { status: number; observed_at: string };
}
interface Fixture {
  auth_methods_bitmask: Record<string, number>;
  key_timeline: { label: string; key_repo: { files: number[]; primary: number; secondary: number[]; staged: number } }[];
  cases: Case[];
}

const fixture = JSON.parse(readFileSync(join(FIX, 'tokens.json'), 'utf8')) as Fixture;
const byName = (name: string): Case => {
  const c = fixture.cases.find((x) => x.name === name);
  if (!c) throw new Error(`no fixture case ${name}`);
  return c;
};
/** seconds since the epoch of a Keystone/driver timestamp like 2026-11-25T15:24:34.189994Z */
const secondsOf = (iso: string): number => {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(iso);
  if (!m) throw new Error(`bad time ${iso}`);
  return Date.parse(`${m[1]}Z`) / 1000 + Number(`0.${m[2] ?? '0'}`);
};
/** the 200 body Keystone gave for a token that it issued */
const acceptedBody = (c: Case): KeystoneToken => {
  const v = c.validation_before_expiry ?? c.validation_before_revocation ?? c.validation_at_issue ?? c.validation;
  expect(v.status).toBe(200);
  return v.body.token!;
};
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

let repo: RepositoryKey[];
let purged: RepositoryKey[];
beforeAll(async () => {
  repo = await load(join(FIX, 'keys'));
  purged = await load(join(FIX, 'purged_keys'));
});

/** the key Keystone encrypted a case with, from keys/ or purged_keys/ */
const keyOf = (c: Case): RepositoryKey => {
  const k = [...repo, ...purged].find((x) => x.index === c.encrypted_with_key_index);
  if (!k) throw new Error(`no key ${c.encrypted_with_key_index} for ${c.name}`);
  return k;
};

const issued = fixture.cases.filter((c) => c.encrypted_with_key_index !== undefined);
const accepted = fixture.cases.filter((c) => !c.negative);
const inRepo = issued.filter((c) => c.kind !== 'purged_key');

describe('the fixture key repository', () => {
  it('loads primary first, then secondaries, then the staged key 0', () => {
    expect(repo.map((k) => `${k.index}:${k.role}`)).toEqual(['3:primary', '2:secondary', '0:staged']);
    const last = fixture.key_timeline[fixture.key_timeline.length - 1]!.key_repo;
    expect(describeLayout(repo.map((k) => k.index))).toEqual({
      files: last.files,
      primary: last.primary,
      secondary: last.secondary,
      staged: last.staged,
    });
    for (const k of [...repo, ...purged]) {
      expect(k.text).toHaveLength(44);
      expect(formatKey(parseKey(k.text))).toBe(k.text);
    }
  });

  it('fixture sanity: 20 cases, 10 accepted and 6 issued-then-rejected', () => {
    expect(fixture.cases).toHaveLength(20);
    expect(accepted).toHaveLength(10);
    expect(fixture.auth_methods_bitmask).toEqual({ external: 1, password: 2, token: 4, oauth1: 8, mapped: 16, application_credential: 32 });
  });
});

describe('tokens Keystone issued decrypt and decode to what Keystone answered', () => {
  it.each(inRepo.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const d = decrypt(repo, c.token);
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(repo[d.keyIndex]!.index).toBe(c.encrypted_with_key_index);
    expect(d.timestamp).toBe(c.fernet!.timestamp);
    expect(hex(d.iv)).toBe(c.fernet!.iv_hex);
    expect(hex(d.plaintext)).toBe(c.payload_msgpack_hex);

    const u = unpackPayload(d.plaintext);
    expect(u.ok).toBe(true);
    if (!u.ok) return;
    const p = u.payload;
    expect(p.version).toBe(c.payload![0]);

    const body = acceptedBody(c);
    expect(p.userId).toBe(body.user.id);
    expect(p.methods).toEqual(body.methods); // same order too
    expect(keystoneIsotime(p.expiresAt)).toBe(body.expires_at);
    expect(keystoneIsotime(d.timestamp)).toBe(body.issued_at);
    expect(p.auditIds).toEqual(body.audit_ids);
    expect(p.auditIds.every((a) => a.length === 22)).toBe(true);
    const scope = {
      project: 'projectId' in p ? p.projectId : undefined,
      domain: 'domainId' in p ? p.domainId : undefined,
      system: p.kind === 'system' ? { [p.system]: true } : undefined,
      trust: p.kind === 'trust' ? p.trustId : undefined,
      appCred: p.kind === 'application-credential' ? p.applicationCredentialId : undefined,
    };
    expect(scope).toEqual({
      project: body.project?.id,
      domain: body.domain?.id,
      system: body.system,
      trust: body['OS-TRUST:trust']?.id,
      appCred: body.application_credential?.id,
    });
  });

  it('every token Keystone still accepted at the end validates at that moment', () => {
    for (const c of accepted) {
      const v = validateToken(repo, c.token, { now: secondsOf(c.final_validation!.observed_at) });
      expect(v.ok, c.name).toBe(true);
      if (!v.ok) continue;
      const body = acceptedBody(c);
      expect(v.issuedAt).toBe(body.issued_at);
      expect(v.expiresAt).toBe(body.expires_at);
    }
  });

  it('decodes the layouts the README documents', () => {
    const kinds = Object.fromEntries(inRepo.map((c) => [c.name, unpackPayload(decryptOk(c.token)).ok ? kindOf(c) : 'x']));
    expect(kinds).toMatchObject({
      unscoped_password: 'unscoped',
      project_scoped_password: 'project',
      domain_scoped_password: 'domain',
      domain_scoped_default_domain: 'domain',
      system_scoped_admin: 'system',
      token_method_rescope: 'project',
      trust_scoped: 'trust',
      application_credential: 'application-credential',
      non_uuid_user_id: 'project',
    });
    const nonUuid = payloadOf(byName('non_uuid_user_id'));
    expect(nonUuid.userId).toHaveLength(64);
    expect(packId(nonUuid.userId)[0]).toBe(false);
    expect(payloadOf(byName('domain_scoped_default_domain'))).toMatchObject({ kind: 'domain', domainId: 'default' });
    expect(payloadOf(byName('token_method_rescope')).auditIds[1]).toBe(payloadOf(byName('unscoped_password')).auditIds[0]);
  });
});

function decryptOk(token: string): Buffer {
  const d = decrypt(repo, token);
  if (!d.ok) throw new Error(`${d.reason}: ${d.detail}`);
  return d.plaintext;
}
function payloadOf(c: Case): TokenPayload {
  const u = unpackPayload(decryptOk(c.token));
  if (!u.ok) throw new Error(u.detail);
  return u.payload;
}
function kindOf(c: Case): string {
  return payloadOf(c).kind;
}

describe('encrypt(decode(token)) reproduces Keystone byte for byte', () => {
  it.each(issued.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const key = keyOf(c);
    const parts = parseToken(c.token);
    expect(parts.ok).toBe(true);
    if (!parts.ok) return;
    const { timestamp, iv } = parts.parts;
    expect(hex(parts.parts.hmac)).toBe(c.fernet!.hmac_hex);

    // the Fernet layer alone, from Keystone's plaintext
    expect(encrypt(key, Buffer.from(c.payload_msgpack_hex!, 'hex'), { now: timestamp, iv })).toBe(c.token);

    // the whole provider: decode the payload to typed fields, pack and encrypt again
    const d = decrypt([key], c.token);
    if (!d.ok) throw new Error(d.detail);
    const u = unpackPayload(d.plaintext);
    if (!u.ok) throw new Error(u.detail);
    expect(hex(packPayload(u.payload))).toBe(c.payload_msgpack_hex);
    const again = createToken(key, u.payload, { now: timestamp, iv });
    expect(again).toBe(c.token);
    expect(again).toHaveLength(c.token_length);
  });

  it('writes expires_at as msgpack float64 even when it is a whole number', () => {
    const p = payloadOf(byName('project_scoped_password'));
    expect(Number.isInteger(p.expiresAt)).toBe(true);
    expect(hex(packPayload(p))).toContain(`cb${Buffer.from(new Float64Array([p.expiresAt]).buffer).reverse().toString('hex')}`);
  });
});

describe('tokens Keystone rejected', () => {
  const keystoneMessage = (c: Case) => c.validation.body.error!.message;

  it.each(['tampered_middle_byte', 'tampered_timestamp_byte', 'tampered_hmac_last_byte'])('%s: bad signature', (name) => {
    const c = byName(name);
    expect(c.validation.status).toBe(404);
    const d = decrypt(repo, c.token);
    expect(d).toMatchObject({ ok: false, reason: 'bad-signature' });
    // even with every key Keystone ever had
    expect(decrypt([...repo, ...purged], c.token)).toMatchObject({ ok: false, reason: 'bad-signature' });
    const v = validateToken(repo, c.token);
    expect(v).toMatchObject({ ok: false, reason: 'unrecognized', fernetReason: 'bad-signature' });
    if (!v.ok) expect(v.message).toBe(keystoneMessage(c));
  });

  it.each(['truncated_half', 'truncated_minus_4_chars', 'garbage_not_fernet'])('%s: malformed', (name) => {
    const c = byName(name);
    expect(c.validation.status).toBe(404);
    expect(decrypt([...repo, ...purged], c.token)).toMatchObject({ ok: false, reason: 'malformed' });
    const v = validateToken(repo, c.token);
    expect(v).toMatchObject({ ok: false, reason: 'unrecognized', fernetReason: 'malformed' });
    if (!v.ok) expect(v.message).toBe(keystoneMessage(c));
  });

  it('purged_key_token: no key of the repository verifies it; the purged key does', () => {
    const c = byName('purged_key_token');
    expect(c.validation_at_issue!.status).toBe(200);
    expect(c.validation.status).toBe(404);
    expect(decrypt(repo, c.token)).toMatchObject({ ok: false, reason: 'bad-signature' });
    const v = validateToken(repo, c.token, { now: secondsOf(c.validation.observed_at) });
    expect(v).toMatchObject({ ok: false, reason: 'unrecognized', message: keystoneMessage(c) });
    const withPurged = decrypt([...repo, ...purged], c.token);
    expect(withPurged.ok && [...repo, ...purged][withPurged.keyIndex]!.index).toBe(1);
  });

  it.each(['expired_token', 'expired_appcred_token'])('%s: decrypts, but is past expires_at', (name) => {
    const c = byName(name);
    const before = c.validation_before_expiry!;
    expect(before.status).toBe(200);
    expect(validateToken(repo, c.token, { now: secondsOf(before.observed_at) }).ok).toBe(true);

    expect(c.validation.status).toBe(404);
    const v = validateToken(repo, c.token, { now: secondsOf(c.validation.observed_at) });
    expect(v).toMatchObject({ ok: false, reason: 'expired', message: keystoneMessage(c) });

    // ?allow_expired=1 (allow_expired_window = 48 h) -> 200
    const allowed = c.validation_allow_expired!;
    expect(allowed.status).toBe(200);
    const w = validateToken(repo, c.token, { now: secondsOf(allowed.observed_at), allowExpiredWindow: 172800 });
    expect(w.ok).toBe(true);
    if (w.ok) expect(w.expiresAt).toBe(allowed.body.token!.expires_at);
  });

  it('expiry is exact to the second: valid strictly before expires_at', () => {
    const c = byName('expired_token');
    const p = payloadOf(c);
    expect(validateToken(repo, c.token, { now: p.expiresAt - 0.000001 }).ok).toBe(true);
    expect(validateToken(repo, c.token, { now: p.expiresAt })).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('revoked_token: revocation is in Keystone\'s database, not in the token', () => {
    const c = byName('revoked_token');
    expect(c.validation_before_revocation!.status).toBe(200);
    expect(c.validation.status).toBe(404);
    expect(validateToken(repo, c.token, { now: secondsOf(c.validation.observed_at) }).ok).toBe(true);
  });
});

describe('Fernet details', () => {
  const c = byName('project_scoped_password');

  it('Keystone strips the base64 padding and restores it', () => {
    expect(c.token.endsWith('=')).toBe(false);
    expect(c.token.length % 4).not.toBe(0);
    const padded = restorePadding(c.token);
    expect(padded.length % 4).toBe(0);
    expect(decrypt(repo, padded).ok).toBe(true);
    const p = parseToken(c.token);
    if (!p.ok) throw new Error(p.detail);
    const spec = encrypt(keyOf(c), Buffer.from(c.payload_msgpack_hex!, 'hex'), { now: p.parts.timestamp, iv: p.parts.iv, padding: 'keep' });
    expect(spec).toBe(padded);
  });

  it('decodes base64 the way CPython does (lenient)', () => {
    expect(pyUrlsafeB64Decode('YWJj')).toEqual(Buffer.from('abc'));
    expect(pyUrlsafeB64Decode('YW Jj\n')).toEqual(Buffer.from('abc')); // junk skipped
    expect(pyUrlsafeB64Decode('YWI=')).toEqual(Buffer.from('ab'));
    expect(pyUrlsafeB64Decode('YWI=garbage')).toEqual(Buffer.from('ab')); // padding ends the input
    expect(pyUrlsafeB64Decode('YWJ')).toBeNull(); // "Incorrect padding"
    expect(pyUrlsafeB64Decode('Y')).toBeNull();
    expect(pyUrlsafeB64Decode('-_-_')).toEqual(pyUrlsafeB64Decode('+/+/'));
    // the standard alphabet is accepted too, so this variant of the token decrypts
    expect(decrypt(repo, c.token.replace(/-/g, '+').replace(/_/g, '/')).ok).toBe(true);
  });

  it('tries every key and reports which one matched', () => {
    const d = decrypt([purged[0]!, repo[2]!, repo[0]!], c.token); // key 2 is repo[1]
    expect(d).toMatchObject({ ok: false, reason: 'bad-signature' });
    const e = decrypt([purged[0]!, repo[1]!], c.token);
    expect(e).toMatchObject({ ok: true, keyIndex: 1 });
    expect(decrypt([], c.token)).toMatchObject({ ok: false, reason: 'no-keys' });
    expect(decrypt(['not a key'], c.token)).toMatchObject({ ok: false, reason: 'no-keys' });
  });

  it('ttl follows cryptography: expired after timestamp + ttl, rejected if too far in the future', () => {
    const ts = byName('project_scoped_password').fernet!.timestamp;
    expect(decrypt(repo, c.token, { ttl: 10, now: ts + 10 }).ok).toBe(true);
    expect(decrypt(repo, c.token, { ttl: 10, now: ts + 11 })).toMatchObject({ ok: false, reason: 'expired' });
    expect(decrypt(repo, c.token, { ttl: 10, now: ts - 60 }).ok).toBe(true);
    expect(decrypt(repo, c.token, { ttl: 10, now: ts - 61 })).toMatchObject({ ok: false, reason: 'not-yet-valid' });
  });

  it('a valid HMAC over a bad ciphertext is bad-padding, not a crash', () => {
    const key = keyOf(c);
    const p = parseToken(c.token);
    if (!p.ok) throw new Error(p.detail);
    // flip a byte of the next-to-last block at offset 12: CBC XORs it into
    // byte 12 of the last block, which is PKCS7 padding (71 bytes of plaintext
    // + 9 bytes of 0x09), then re-sign with the right key
    const ct = Buffer.from(p.parts.ciphertext);
    ct[ct.length - 20] = ct[ct.length - 20]! ^ 0xff;
    const signed = Buffer.concat([p.parts.bytes.subarray(0, 25), ct]);
    const forged = Buffer.concat([signed, createHmac('sha256', key.signingKey).update(signed).digest()]).toString('base64url');
    const d = decrypt([key], forged);
    expect(d).toMatchObject({ ok: false, reason: 'bad-padding' });
  });

  it('never throws on garbage', () => {
    const samples: string[] = ['', '=', '====', 'gA', 'gAAAAA', '\u0000\u00ff\ud800', 'a'.repeat(10_000), '%%%%', '0x80'];
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let i = 0; i < 300; i++) {
      const len = Math.floor(rnd() * 200);
      const bytes = Buffer.from(Array.from({ length: len }, () => Math.floor(rnd() * 256)));
      if (len > 0 && i % 2 === 0) bytes[0] = 0x80;
      samples.push(bytes.toString('base64url'), bytes.toString('latin1'));
    }
    for (const s of samples) {
      expect(() => decrypt(repo, s)).not.toThrow();
      expect(() => validateToken(repo, s)).not.toThrow();
      expect(decrypt(repo, s).ok).toBe(false);
    }
  });
});

describe('payload layout', () => {
  const base = { userId: 'a3391ddc8e66421daeef5be1d60bf318', methods: ['password'], expiresAt: 2110980228, auditIds: ['zqSsVlt6Tr2vN_4fvqd3KQ'] };
  const roundTrip = (p: TokenPayload, opts: PayloadOptions = {}) => {
    const u = unpackPayload(packPayload(p, opts), opts);
    if (!u.ok) throw new Error(u.detail);
    return u.payload;
  };

  it('methods bitmask', () => {
    expect(methodsToBitmask(['password'])).toBe(2);
    expect(methodsToBitmask(['password', 'token'])).toBe(6);
    expect(methodsToBitmask(['application_credential'])).toBe(32);
    expect(methodsToBitmask(['totp'])).toBe(0); // not in [auth] methods
    expect(bitmaskToMethods(6)).toEqual(['token', 'password']);
    expect(bitmaskToMethods(63)).toEqual(['application_credential', 'mapped', 'oauth1', 'token', 'password', 'external']);
    expect(bitmaskToMethods(0)).toEqual([]);
  });

  it('ids: UUIDs as 16 raw bytes (in any form Python\'s uuid.UUID accepts), others as strings', () => {
    expect(packId('a3391ddc8e66421daeef5be1d60bf318')).toEqual([true, Buffer.from('a3391ddc8e66421daeef5be1d60bf318', 'hex')]);
    expect(packId('A3391DDC-8E66-421D-AEEF-5BE1D60BF318')[0]).toBe(true);
    expect(packId('{urn:uuid:a3391ddc-8e66-421d-aeef-5be1d60bf318}')[0]).toBe(true);
    expect(packId('default')).toEqual([false, 'default']);
    expect(packId('a3391ddc8e66421daeef5be1d60bf31')).toEqual([false, 'a3391ddc8e66421daeef5be1d60bf31']);
    expect(packId('g3391ddc8e66421daeef5be1d60bf318')[0]).toBe(false);
    expect(roundTrip({ ...base, version: 0, kind: 'unscoped', userId: 'A3391DDC-8E66-421D-AEEF-5BE1D60BF318' }).userId).toBe(
      'a3391ddc8e66421daeef5be1d60bf318',
    );
  });

  it('domain ids are raw; a non-UUID one must be the default domain', () => {
    expect(roundTrip({ ...base, version: 1, kind: 'domain', domainId: 'default' })).toMatchObject({ domainId: 'default' });
    expect(() => packPayload({ ...base, version: 1, kind: 'domain', domainId: 'other' })).toThrow(PayloadError);
    expect(roundTrip({ ...base, version: 1, kind: 'domain', domainId: 'dom' }, { defaultDomainId: 'dom' })).toMatchObject({ domainId: 'dom' });
    expect(unpackPayload(packPayload({ ...base, version: 1, kind: 'domain', domainId: 'dom' }, { defaultDomainId: 'dom' }))).toMatchObject({
      ok: false,
      reason: 'malformed-payload',
    });
  });

  it('trust ids must be UUIDs', () => {
    const t = { ...base, version: 3, kind: 'trust', projectId: 'p', trustId: 'not-a-uuid' } as const;
    expect(() => packPayload(t)).toThrow(PayloadError);
  });

  it('round-trips the versions no fixture covers (federated, oauth1)', () => {
    const fed = { groupIds: ['0e0f3c0a5f3b4d6c8b1e2d3c4b5a6978', 'admins'], identityProviderId: 'idp1', protocolId: 'saml2' };
    const samples: TokenPayload[] = [
      { ...base, ...fed, version: 4, kind: 'federated-unscoped', methods: ['mapped'] },
      { ...base, ...fed, version: 5, kind: 'federated-project', methods: ['mapped'], projectId: '04a1a158380c492b9b25c8d0eff620ff' },
      { ...base, ...fed, version: 6, kind: 'federated-domain', methods: ['mapped'], domainId: 'af447d73bb9e4fcc80e328db29cd140c' },
      { ...base, version: 7, kind: 'oauth1', methods: ['oauth1'], projectId: '04a1a158380c492b9b25c8d0eff620ff', accessTokenId: 'at-1' },
    ];
    for (const p of samples) expect(roundTrip(p)).toEqual(p);
  });

  it('unknown versions and non-payloads are typed failures', () => {
    const v10 = Buffer.from('930a92c3c410a3391ddc8e66421daeef5be1d60bf31802', 'hex'); // [10, user, 2]
    expect(unpackPayload(v10)).toMatchObject({ ok: false, reason: 'unsupported-version' });
    expect(unpackPayload(Buffer.from([0x91, 0x0b]))).toMatchObject({ ok: false, reason: 'unsupported-version' });
    expect(unpackPayload(Buffer.from([0xc1]))).toMatchObject({ ok: false, reason: 'malformed-payload' });
    expect(unpackPayload(Buffer.from([0x92, 0x02, 0x01]))).toMatchObject({ ok: false, reason: 'malformed-payload' });
    expect(unpackPayload(Buffer.from([0x05]))).toMatchObject({ ok: false, reason: 'malformed-payload' });
    expect(unpackPayload(Buffer.alloc(0))).toMatchObject({ ok: false, reason: 'malformed-payload' });
  });

  it('accepts legacy payloads whose ids were packed as msgpack str (msgpack < 1.0), as Keystone does', () => {
    const project = payloadOf(byName('project_scoped_password'));
    const modern = Buffer.from(packPayload(project));
    // rewrite every bin8(16) (c4 10) as fixstr(16) (b0): raw bytes that are not UTF-8
    const legacy = Buffer.from(modern.toString('hex').replace(/c410/g, 'b0'), 'hex');
    const u = unpackPayload(legacy);
    expect(u).toMatchObject({ ok: true, payload: project });
  });

  it('a project-scoped token stays within Keystone\'s 255 characters', () => {
    const c = byName('project_scoped_password');
    expect(c.token.length).toBe(183);
    const t = createToken(repo[0]!, payloadOf(c));
    expect(t.length).toBe(183);
    expect(t.length).toBeLessThan(MAX_TOKEN_SIZE);
    expect(Math.max(...fixture.cases.map((x) => x.token_length))).toBeLessThan(MAX_TOKEN_SIZE);
  });
});

describe('key repository', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'fernet-keys-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });
  const files = async (dir: string) => (await readdir(dir)).sort((a, b) => Number(a) - Number(b));
  const texts = async (dir: string) => (await load(dir)).map((k) => `${k.index}=${k.text}`);

  it('plans reproduce the fixture timeline (setup, rotate, rotate with max_active_keys 3)', () => {
    const timeline = fixture.key_timeline.map((t) => t.key_repo.files);
    const s = planSetup([], 3);
    expect(s.action).toBe('initialize');
    if (s.action !== 'initialize') return;
    expect(s.rotation.after.files).toEqual(timeline[0]);
    const r1 = planRotation(timeline[0]!, 3);
    expect(r1).toMatchObject({ promote: { from: 0, to: 2 }, purge: [] });
    expect(r1.after.files).toEqual(timeline[1]);
    const r2 = planRotation(timeline[1]!, 3);
    expect(r2).toMatchObject({ promote: { from: 0, to: 3 }, purge: [1] });
    expect(r2.after).toEqual({ files: [0, 2, 3], primary: 3, secondary: [2], staged: 0 });
    expect(r2.after.files).toEqual(timeline[2]);
  });

  it('load while rotations rename the files under it: every load succeeds with a key (no ENOENT as a 503)', async () => {
    // make run: a validation read the listing, then a rotation renamed 0 away before the read (503, "database unreachable").
    const dir = join(tmp, 'racing');
    await setup(dir);
    let rotations = 0;
    const rotating = (async () => {
      for (; rotations < 150; rotations++) await rotate(dir, 3);
    })();
    let loads = 0;
    const errors: string[] = [];
    while (rotations < 150) {
      const keys = await load(dir).catch((e: Error) => (errors.push(e.message), []));
      if (keys.length > 0) loads++;
    }
    await rotating;
    expect(errors).toEqual([]);
    expect(loads).toBeGreaterThan(50);
  });

  it('plans: pruning, and refusals', () => {
    expect(planRotation([0, 2, 3, 4, 5], 3).purge).toEqual([2, 3, 4]);
    expect(planRotation([0, 1], 5).purge).toEqual([]);
    expect(planRotation([0, 1], 1)).toMatchObject({ purge: [1, 2], after: { files: [0] } }); // Keystone does this too
    expect(() => planRotation([1, 2], 3)).toThrow(/staged/);
    expect(() => planRotation([], 3)).toThrow(/no key/);
    expect(() => planRotation([0, 1], 0)).toThrow(/max_active_keys/);
    expect(planSetup([0, 4], 3)).toMatchObject({ action: 'none' });
  });

  it('setup and rotate on disk like keystone-manage', async () => {
    const dir = join(tmp, 'repo');
    expect((await setup(dir)).action).toBe('initialize');
    expect(await files(dir)).toEqual(['0', '1']);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    for (const f of await files(dir)) expect((await stat(join(dir, f))).mode & 0o777).toBe(0o600);
    expect((await setup(dir)).action).toBe('none');

    const staged = await readFile(join(dir, '0'), 'utf8');
    expect(staged).toMatch(/^[A-Za-z0-9_-]{43}=$/);
    await rotate(dir, 3);
    expect(await files(dir)).toEqual(['0', '1', '2']);
    expect(await readFile(join(dir, '2'), 'utf8')).toBe(staged); // staged became the primary
    expect(await readFile(join(dir, '0'), 'utf8')).not.toBe(staged);
    await rotate(dir, 3);
    expect(await files(dir)).toEqual(['0', '2', '3']);
    expect((await load(dir)).map((k) => `${k.index}:${k.role}`)).toEqual(['3:primary', '2:secondary', '0:staged']);
  });

  it('uses the injected random source and ignores non-key files', async () => {
    const dir = join(tmp, 'det');
    let n = 0;
    await setup(dir, { random: (len) => Buffer.alloc(len, ++n) });
    await writeFile(join(dir, 'README'), 'not a key');
    await writeFile(join(dir, '7.tmp'), 'x');
    await writeFile(join(dir, '9'), ''); // empty: ignored like Keystone
    expect((await load(dir)).map((k) => [k.index, k.text])).toEqual([
      [1, Buffer.alloc(32, 1).toString('base64url') + '='],
      [0, Buffer.alloc(32, 2).toString('base64url') + '='],
    ]);
  });

  it('load of a missing directory gives no keys', async () => {
    expect(await load(join(tmp, 'nope'))).toEqual([]);
  });

  it('distribute replaces the target atomically with a copy of the source', async () => {
    const src = join(tmp, 'dist-src');
    await setup(src);
    await rotate(src, 3);
    // absent target
    const a = join(tmp, 'nodes', 'a');
    await distribute(src, a);
    expect(await texts(a)).toEqual(await texts(src));
    // existing directory target, with a stale key that must disappear
    await rotate(src, 3);
    await writeFile(join(a, '17'), (await load(src))[0]!.text);
    await distribute(src, a);
    expect(await texts(a)).toEqual(await texts(src));
    expect((await stat(a)).mode & 0o777).toBe(0o700);
    // symlinked target: re-pointed
    const real = join(tmp, 'nodes', 'b-real');
    await mkdir(real);
    const b = join(tmp, 'nodes', 'b');
    await symlink('b-real', b);
    await distribute(src, b);
    expect((await lstat(b)).isSymbolicLink()).toBe(true);
    expect(await texts(b)).toEqual(await texts(src));
    await rotate(src, 3);
    await distribute(src, b);
    expect(await texts(b)).toEqual(await texts(src));
    // nothing left behind but b's current target (the operator's own b-real stays)
    const left = (await readdir(join(tmp, 'nodes'))).sort();
    const current = await readlink(b);
    expect(current).toContain('fernet-tmp');
    expect(left).toEqual(['a', 'b', 'b-real', current].sort());
  });
});

describe('multi-node rotation (REFERENCE: do not rotate again before distribution succeeded)', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'fernet-nodes-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });
  const payload = (): TokenPayload => payloadOf(byName('project_scoped_password'));
  const now = 1795620300;
  const issue = async (dir: string) => createToken((await load(dir))[0]!, payload(), { now });
  const check = async (dir: string, token: string) => validateToken(await load(dir), token, { now: now + 1 });

  it('one unsynced rotation still validates both ways; two do not', async () => {
    const a = join(tmp, 'region-a');
    const b = join(tmp, 'region-b');
    await setup(a);
    await distribute(a, b);
    const before = await issue(a);
    const fromB = await issue(b); // key 1, same as a's primary
    expect((await check(b, before)).ok).toBe(true);

    // one rotation at A, not distributed: A encrypts with its old staged key,
    // which B holds as its staged key 0
    await rotate(a, 3);
    const afterOne = await issue(a);
    expect((await check(b, afterOne)).ok).toBe(true);
    expect((await check(a, fromB)).ok).toBe(true);
    expect((await check(a, before)).ok).toBe(true);

    // a second rotation at A before distribution: A's primary is a key B has never seen
    await rotate(a, 3);
    const afterTwo = await issue(a);
    expect(await check(b, afterTwo)).toMatchObject({
      ok: false,
      reason: 'unrecognized',
      fernetReason: 'bad-signature',
      message: 'Could not recognize Fernet token',
    });
    // and with max_active_keys 3 A purged key 1, which B still encrypts with
    expect(await check(a, fromB)).toMatchObject({ ok: false, reason: 'unrecognized' });
    expect((await check(a, afterOne)).ok).toBe(true);

    // distribution repairs A's tokens at B (key-1 tokens are gone for good)
    await distribute(a, b);
    expect((await check(b, afterTwo)).ok).toBe(true);
    expect((await check(b, afterOne)).ok).toBe(true);
    expect((await check(b, fromB)).ok).toBe(false);
  });
});
