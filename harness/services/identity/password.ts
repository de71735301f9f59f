// Password hashes. Keystone uses bcrypt (passlib, [identity]
// password_hash_algorithm = bcrypt, 12 rounds: ~215-350 ms per issue on this
// machine). Here: scrypt from node:crypto (no native dependency), stored in
// passlib's modular format so the cost is visible in the row:
//
//   $scrypt$ln=14,r=8,p=1$<salt b64>$<hash b64>
//
// ln=14 (N=16384) costs ~47 ms per hash here; like bcrypt's cost it dominates
// a password authentication, and it runs on libuv's thread pool, not on the
// event loop.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export const DEFAULT_SCRYPT_LN = 14;
const R = 8;
const P = 1;
const KEYLEN = 32;

function scryptAsync(password: string, salt: Buffer, ln: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** ln;
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEYLEN, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string, ln = DEFAULT_SCRYPT_LN): Promise<string> {
  if (!Number.isInteger(ln) || ln < 1 || ln > 20) throw new Error(`scrypt ln must be 1..20, got ${ln}`);
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, ln, R, P);
  return `$scrypt$ln=${ln},r=${R},p=${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

const FORMAT = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;

/** Constant-time check; false for a malformed hash. */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const m = FORMAT.exec(hash);
  if (!m) return false;
  const [ln, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (ln < 1 || ln > 20 || r < 1 || r > 32 || p < 1 || p > 16) return false;
  const expected = Buffer.from(m[5]!, 'base64');
  const got = await scryptAsync(password, Buffer.from(m[4]!, 'base64'), ln, r, p);
  return expected.length === got.length && timingSafeEqual(expected, got);
}
