/**
 * Fernet (https://github.com/fernet/spec) exactly as Keystone uses it through
 * python-cryptography's `Fernet`/`MultiFernet` (cryptography 38, Zed era).
 *
 *   token = base64url( 0x80 | timestamp u64be | IV[16] | AES-128-CBC(PKCS7(plaintext)) | HMAC-SHA256[32] )
 *
 * The HMAC covers every byte before it. A key is 32 bytes in url-safe base64
 * (44 chars): bytes 0-15 sign, bytes 16-31 encrypt.
 *
 * Keystone specifics reproduced here:
 *   - `TokenFormatter.pack` strips the `=` padding from the token and
 *     `restore_padding` re-adds `'=' * (4 - len % 4)` before decrypting.
 *   - base64 is decoded the way CPython's `base64.urlsafe_b64decode` does it
 *     (non-strict `binascii.a2b_base64`): characters outside the alphabet are
 *     skipped, `+`/`/` are accepted as well as `-`/`_`, padding ends the input,
 *     unused low bits of the last character are ignored. So a token that
 *     Keystone would accept is accepted here and vice versa.
 *   - decryption tries every key in order (MultiFernet; Keystone passes the
 *     repository primary first, then secondaries, then the staged key 0).
 *   - Keystone never passes a ttl (token expiry comes from the payload); the
 *     optional `ttl` here follows cryptography (`timestamp + ttl < now` is
 *     expired; a timestamp more than 60 s in the future is rejected).
 *
 * Only node:crypto is used. Nothing here throws on token input: `decrypt`
 * returns a typed result. `encrypt`, `parseKey` throw `FernetError` on bad
 * arguments (a wrong key, a 15-byte IV, a negative time), which are
 * programming errors rather than hostile input.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const FERNET_VERSION = 0x80;
/** cryptography's `_MAX_CLOCK_SKEW`, only used when a ttl is given. */
export const MAX_CLOCK_SKEW_SECONDS = 60;
/** Keystone's `[DEFAULT] max_token_size` default: tokens longer than this are logged. */
export const MAX_TOKEN_SIZE = 255;

const HEADER_LEN = 1 + 8 + 16;
const HMAC_LEN = 32;
const BLOCK = 16;

export type FernetFailureReason =
  /** no key given (Keystone: KeysNotFound) */
  | 'no-keys'
  /** not base64, empty, wrong version byte, or a length no Fernet token can have (truncation) */
  | 'malformed'
  /** ttl given and timestamp + ttl < now */
  | 'expired'
  /** ttl given and the timestamp is more than 60 s ahead of now */
  | 'not-yet-valid'
  /** no key's HMAC matches: tampered, or encrypted with a key we do not hold (purged / never synced) */
  | 'bad-signature'
  /** HMAC verified but the ciphertext does not decrypt to valid PKCS7 (only with a leaked signing key) */
  | 'bad-padding';

export class FernetError extends Error {
  override readonly name = 'FernetError';
  readonly reason: FernetFailureReason | 'bad-key' | 'bad-argument';
  constructor(reason: FernetFailureReason | 'bad-key' | 'bad-argument', message: string) {
    super(message);
    this.reason = reason;
  }
}

export interface FernetKey {
  /** bytes 0-15 of the decoded key */
  readonly signingKey: Buffer;
  /** bytes 16-31 of the decoded key */
  readonly encryptionKey: Buffer;
}

/** A key as a Fernet key string (the content of a key file) or already parsed. */
export type FernetKeyLike = string | FernetKey;

export interface DecryptOk {
  readonly ok: true;
  readonly plaintext: Buffer;
  /** Fernet timestamp (seconds since the epoch) = Keystone's issued_at. */
  readonly timestamp: number;
  readonly iv: Buffer;
  /** index in the `keys` array of the key whose HMAC matched */
  readonly keyIndex: number;
}

export interface DecryptFailure {
  readonly ok: false;
  readonly reason: FernetFailureReason;
  readonly detail: string;
}

export type DecryptResult = DecryptOk | DecryptFailure;

export interface TokenParts {
  /** the decoded token bytes */
  readonly bytes: Buffer;
  readonly version: number;
  readonly timestamp: number;
  readonly iv: Buffer;
  readonly ciphertext: Buffer;
  readonly hmac: Buffer;
}

export type ParseResult = { readonly ok: true; readonly parts: TokenParts } | DecryptFailure;

export interface EncryptOptions {
  /** issue time in seconds since the epoch (Python `int(time.time())`); default: now */
  readonly now?: number;
  /** 16-byte IV; default: random */
  readonly iv?: Uint8Array;
  /** 'strip' (default) = Keystone's token (no `=`); 'keep' = the plain Fernet spec token */
  readonly padding?: 'strip' | 'keep';
}

export interface DecryptOptions {
  /** seconds; when absent no age check is made (Keystone's behaviour) */
  readonly ttl?: number;
  /** current time in seconds since the epoch; default: now */
  readonly now?: number;
}

// ---------------------------------------------------------------------------
// Python compatibility helpers

const B64_VALUES: Int8Array = (() => {
  const t = new Int8Array(256).fill(-1);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < alphabet.length; i++) t[alphabet.charCodeAt(i)] = i;
  // urlsafe_b64decode translates '-' -> '+' and '_' -> '/' first
  t['-'.charCodeAt(0)] = 62;
  t['_'.charCodeAt(0)] = 63;
  return t;
})();

/**
 * CPython's `base64.urlsafe_b64decode(s)` (non-strict `binascii.a2b_base64`,
 * Python 3.11). Returns null where Python raises `binascii.Error`; raises
 * nothing. `s` is taken as UTF-8 bytes (what Keystone's `token.encode()` gives).
 */
export function pyUrlsafeB64Decode(s: string | Uint8Array): Buffer | null {
  const data = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  const out = Buffer.alloc(Math.floor((data.length + 3) / 4) * 3);
  let n = 0;
  let quadPos = 0;
  let leftChar = 0;
  let pads = 0;
  for (let i = 0; i < data.length; i++) {
    const ch = data[i]!;
    if (ch === 0x3d /* '=' */) {
      if (quadPos >= 2 && quadPos + ++pads >= 4) return out.subarray(0, n);
      continue;
    }
    const v = B64_VALUES[ch]!;
    if (v < 0) continue;
    pads = 0;
    switch (quadPos) {
      case 0:
        quadPos = 1;
        leftChar = v;
        break;
      case 1:
        quadPos = 2;
        out[n++] = ((leftChar << 2) | (v >> 4)) & 0xff;
        leftChar = v & 0x0f;
        break;
      case 2:
        quadPos = 3;
        out[n++] = ((leftChar << 4) | (v >> 2)) & 0xff;
        leftChar = v & 0x03;
        break;
      default:
        quadPos = 0;
        out[n++] = ((leftChar << 6) | v) & 0xff;
        leftChar = 0;
    }
  }
  return quadPos === 0 ? out.subarray(0, n) : null;
}

/** Python's `base64.urlsafe_b64encode(b).decode()`, optionally with `.rstrip('=')`. */
export function urlsafeB64Encode(b: Uint8Array, stripPadding = false): string {
  const s = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');
  return stripPadding ? s : s + '='.repeat((4 - (s.length % 4)) % 4);
}

/** Keystone's `TokenFormatter.restore_padding` (length counted in code points, like Python's `len`). */
export function restorePadding(token: string): string {
  const mod = [...token].length % 4;
  return mod ? token + '='.repeat(4 - mod) : token;
}

const PY_WHITESPACE = /^[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

/**
 * Python's `int(s, base)` for base 10 or 16 on ASCII digits: surrounding
 * whitespace, a sign, `0x` prefix (base 16), single underscores between
 * digits. Returns null where Python raises ValueError. (Python also accepts
 * non-ASCII Unicode decimal digits; those are not supported here.)
 */
export function pyInt(s: string, base: 10 | 16): bigint | null {
  let t = s.replace(PY_WHITESPACE, '');
  let negative = false;
  if (t.startsWith('+') || t.startsWith('-')) {
    negative = t[0] === '-';
    t = t.slice(1);
  }
  let prefixed = false;
  if (base === 16 && /^0[xX]/.test(t)) {
    t = t.slice(2);
    prefixed = true;
  }
  const digit = base === 16 ? '[0-9a-fA-F]' : '[0-9]';
  const re = new RegExp(`^${prefixed ? '_?' : ''}${digit}+(?:_${digit}+)*$`);
  if (!re.test(t)) return null;
  const digits = t.replace(/_/g, '');
  const v = BigInt(base === 16 ? `0x${digits}` : digits);
  return negative ? -v : v;
}

// ---------------------------------------------------------------------------
// keys

/**
 * `cryptography.fernet.Fernet(key)`: url-safe base64 (Python-lenient) of exactly
 * 32 bytes. Throws FernetError('bad-key') like Fernet raises ValueError.
 */
export function parseKey(key: FernetKeyLike): FernetKey {
  if (typeof key !== 'string') {
    if (key.signingKey.length !== 16 || key.encryptionKey.length !== 16) {
      throw new FernetError('bad-key', 'Fernet key must be 32 url-safe base64-encoded bytes.');
    }
    return key;
  }
  // base64.b64decode of a str: only ASCII is allowed (ValueError otherwise)
  if (!/^[\x00-\x7f]*$/.test(key)) {
    throw new FernetError('bad-key', 'string argument should contain only ASCII characters');
  }
  const raw = pyUrlsafeB64Decode(key);
  if (!raw || raw.length !== 32) {
    throw new FernetError('bad-key', 'Fernet key must be 32 url-safe base64-encoded bytes.');
  }
  return { signingKey: Buffer.from(raw.subarray(0, 16)), encryptionKey: Buffer.from(raw.subarray(16, 32)) };
}

/** The key-file form of a key: url-safe base64 with padding, 44 chars (`Fernet.generate_key()`). */
export function formatKey(key: FernetKey): string {
  return urlsafeB64Encode(Buffer.concat([key.signingKey, key.encryptionKey]));
}

/** `Fernet.generate_key()`: 32 random bytes, url-safe base64 (44 chars, one `=`). */
export function generateKey(random: (n: number) => Uint8Array = randomBytes): string {
  const raw = random(32);
  if (raw.length !== 32) throw new FernetError('bad-argument', 'random source must return 32 bytes');
  return urlsafeB64Encode(raw);
}

// ---------------------------------------------------------------------------
// encrypt / decrypt

function nowSeconds(now: number | undefined): number {
  return Math.trunc(now ?? Date.now() / 1000); // Python int(time.time())
}

/**
 * Fernet-encrypt `plaintext` with one key (Keystone: the primary, i.e. the
 * first key of `load()`). Returns Keystone's form of the token (no `=`) unless
 * `padding: 'keep'`. Deterministic when `now` and `iv` are given.
 */
export function encrypt(key: FernetKeyLike, plaintext: Uint8Array, opts: EncryptOptions = {}): string {
  const k = parseKey(key);
  const iv = opts.iv === undefined ? randomBytes(16) : Buffer.from(opts.iv);
  if (iv.length !== 16) throw new FernetError('bad-argument', `IV must be 16 bytes, got ${iv.length}`);
  const ts = nowSeconds(opts.now);
  if (!Number.isSafeInteger(ts) || ts < 0) {
    throw new FernetError('bad-argument', `timestamp must be a non-negative integer, got ${opts.now}`);
  }
  const cipher = createCipheriv('aes-128-cbc', k.encryptionKey, iv); // PKCS7 padding by default
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const header = Buffer.alloc(9);
  header[0] = FERNET_VERSION;
  header.writeBigUInt64BE(BigInt(ts), 1);
  const signed = Buffer.concat([header, iv, ciphertext]);
  const hmac = createHmac('sha256', k.signingKey).update(signed).digest();
  return urlsafeB64Encode(Buffer.concat([signed, hmac]), (opts.padding ?? 'strip') === 'strip');
}

function fail(reason: FernetFailureReason, detail: string): DecryptFailure {
  return { ok: false, reason, detail };
}

/**
 * Decode a token (padding restored like Keystone) and split it into its
 * fields, without any key. Structural errors are reported as 'malformed'.
 */
export function parseToken(token: string): ParseResult {
  if (typeof token !== 'string') return fail('malformed', 'token is not a string');
  const bytes = pyUrlsafeB64Decode(restorePadding(token));
  if (bytes === null) return fail('malformed', 'not valid base64');
  if (bytes.length === 0) return fail('malformed', 'empty token');
  if (bytes[0] !== FERNET_VERSION) {
    return fail('malformed', `version byte 0x${bytes[0]!.toString(16).padStart(2, '0')} is not 0x80`);
  }
  // At least one ciphertext block (PKCS7 always pads) and whole blocks only:
  // anything else can never decrypt, in cryptography either.
  const ctLen = bytes.length - HEADER_LEN - HMAC_LEN;
  if (ctLen < BLOCK || ctLen % BLOCK !== 0) {
    return fail('malformed', `${bytes.length} bytes is not a possible Fernet token length (truncated?)`);
  }
  const ts = bytes.readBigUInt64BE(1);
  return {
    ok: true,
    parts: {
      bytes,
      version: bytes[0]!,
      timestamp: Number(ts),
      iv: Buffer.from(bytes.subarray(9, HEADER_LEN)),
      ciphertext: Buffer.from(bytes.subarray(HEADER_LEN, bytes.length - HMAC_LEN)),
      hmac: Buffer.from(bytes.subarray(bytes.length - HMAC_LEN)),
    },
  };
}

/**
 * MultiFernet.decrypt as Keystone calls it: try every key in order, the first
 * whose HMAC verifies decrypts. Never throws; a key that cannot be parsed is
 * skipped (Keystone would fail at key loading instead).
 */
export function decrypt(keys: readonly FernetKeyLike[], token: string, opts: DecryptOptions = {}): DecryptResult {
  const parsed: FernetKey[] = [];
  const positions: number[] = [];
  keys.forEach((k, i) => {
    try {
      parsed.push(parseKey(k));
      positions.push(i);
    } catch {
      /* unusable key: skip */
    }
  });
  if (parsed.length === 0) return fail('no-keys', 'no usable Fernet key');

  const p = parseToken(token);
  if (!p.ok) return p;
  const { bytes, timestamp, iv, ciphertext, hmac } = p.parts;

  if (opts.ttl !== undefined) {
    const now = nowSeconds(opts.now);
    if (timestamp + opts.ttl < now) return fail('expired', `issued at ${timestamp}, ttl ${opts.ttl}, now ${now}`);
    if (now + MAX_CLOCK_SKEW_SECONDS < timestamp) {
      return fail('not-yet-valid', `issued at ${timestamp}, more than ${MAX_CLOCK_SKEW_SECONDS} s after now ${now}`);
    }
  }

  const signed = bytes.subarray(0, bytes.length - HMAC_LEN);
  let badPadding: DecryptFailure | null = null;
  for (let i = 0; i < parsed.length; i++) {
    const k = parsed[i]!;
    const mac = createHmac('sha256', k.signingKey).update(signed).digest();
    if (!timingSafeEqual(mac, hmac)) continue;
    try {
      const d = createDecipheriv('aes-128-cbc', k.encryptionKey, iv);
      const plaintext = Buffer.concat([d.update(ciphertext), d.final()]);
      return { ok: true, plaintext, timestamp, iv, keyIndex: positions[i]! };
    } catch {
      // MultiFernet goes on with the next key
      badPadding ??= fail('bad-padding', `HMAC verified with key ${positions[i]} but PKCS7 padding is invalid`);
    }
  }
  return badPadding ?? fail('bad-signature', `HMAC matches none of ${parsed.length} key(s)`);
}
