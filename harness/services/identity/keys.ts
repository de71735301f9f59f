/**
 * A Fernet key repository on disk, as keystone-manage keeps it
 * (keystone/common/fernet_utils.py, Zed):
 *
 *   - one file per key, named by an integer, content = a Fernet key
 *     (44 chars of url-safe base64, no newline), mode 0600 in a 0700 dir;
 *   - `0` is the staged key (decrypts only; the next primary), the highest
 *     index is the primary (the only one that encrypts), the rest are
 *     secondaries (decrypt only);
 *   - `fernet_setup` creates `0` and rotates once: files 0 and 1;
 *   - `fernet_rotate` writes `0.tmp`, renames `0` to max+1 (the new primary),
 *     renames `0.tmp` to `0`, then deletes the lowest indices until
 *     `max_active_keys` files remain (the new 0 included);
 *   - loading sorts by index descending: primary, secondaries, staged 0.
 *
 * What happens to which file is computed by pure functions (`planSetup`,
 * `planRotation`, `describeLayout`); `setup`, `rotate`, `load`, `distribute`
 * do the file-system work.
 */
import { constants as fsConstants } from 'node:fs';
import { access, chmod, lstat, mkdir, readdir, readFile, readlink, rename, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { type FernetKey, generateKey, parseKey, pyInt } from './fernet.js';

/** `[fernet_tokens] max_active_keys` default. */
export const DEFAULT_MAX_ACTIVE_KEYS = 3;

export type KeyRole = 'primary' | 'secondary' | 'staged';

export interface RepositoryKey extends FernetKey {
  readonly index: number;
  readonly role: KeyRole;
  readonly path: string;
  /** the key file's content as read */
  readonly text: string;
}

export interface KeyLayout {
  /** every key index, ascending */
  readonly files: readonly number[];
  /** highest index: encrypts (null for an empty repository) */
  readonly primary: number | null;
  /** descending */
  readonly secondary: readonly number[];
  /** 0 when present and not the only key */
  readonly staged: number | null;
}

export interface RotationPlan {
  readonly before: KeyLayout;
  /** key 0 is renamed to `to` */
  readonly promote: { readonly from: 0; readonly to: number };
  /** a new key is written as 0.tmp and renamed to 0 */
  readonly newStaged: 0;
  /** indices deleted, lowest first */
  readonly purge: readonly number[];
  readonly after: KeyLayout;
}

export type SetupPlan =
  | { readonly action: 'none'; readonly reason: 'key 0 already exists' }
  | { readonly action: 'initialize'; readonly createStaged: 0; readonly rotation: RotationPlan };

export type KeyRepositoryErrorReason =
  | 'no-staged-key'
  | 'empty-repository'
  | 'bad-max-active-keys'
  | 'bad-key'
  | 'not-accessible'
  | 'bad-argument';

export class KeyRepositoryError extends Error {
  override readonly name = 'KeyRepositoryError';
  readonly reason: KeyRepositoryErrorReason;
  constructor(reason: KeyRepositoryErrorReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

// ---------------------------------------------------------------------------
// pure part

/** Python `int(filename)` as `_get_key_files` applies it; null for names that are not keys (e.g. `0.tmp`). */
export function keyIndexOf(filename: string): number | null {
  const n = pyInt(filename, 10);
  if (n === null || n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) return null;
  return Number(n);
}

export function describeLayout(indices: Iterable<number>): KeyLayout {
  const files = [...new Set(indices)].sort((a, b) => a - b);
  if (files.length === 0) return { files, primary: null, secondary: [], staged: null };
  const primary = files[files.length - 1]!;
  const staged = primary !== 0 && files.includes(0) ? 0 : null;
  const secondary = files.filter((i) => i !== primary && i !== staged).sort((a, b) => b - a);
  return { files, primary, secondary, staged };
}

/** The role each index plays, in Keystone's load order (descending index). */
export function loadOrder(indices: Iterable<number>): { index: number; role: KeyRole }[] {
  const l = describeLayout(indices);
  return [...l.files]
    .sort((a, b) => b - a)
    .map((index) => ({ index, role: index === l.primary ? 'primary' : index === l.staged ? 'staged' : 'secondary' }));
}

function checkMaxActive(maxActiveKeys: number): void {
  // keystone.conf: [fernet_tokens] max_active_keys = IntOpt(min=1)
  if (!Number.isSafeInteger(maxActiveKeys) || maxActiveKeys < 1) {
    throw new KeyRepositoryError('bad-max-active-keys', `max_active_keys must be an integer >= 1, got ${maxActiveKeys}`);
  }
}

/** `FernetUtils.rotate_keys` on a repository holding `indices`. */
export function planRotation(indices: Iterable<number>, maxActiveKeys: number = DEFAULT_MAX_ACTIVE_KEYS): RotationPlan {
  checkMaxActive(maxActiveKeys);
  const before = describeLayout(indices);
  if (before.files.length === 0) throw new KeyRepositoryError('empty-repository', 'no key files to rotate');
  if (!before.files.includes(0)) throw new KeyRepositoryError('no-staged-key', 'no staged key 0 to promote');
  const to = before.files[before.files.length - 1]! + 1;
  // key_files without 0, plus the new primary; purge from the lowest while
  // more than max_active_keys - 1 remain (the new 0 is the last one)
  const kept = [...before.files.filter((i) => i !== 0), to].sort((a, b) => b - a);
  const purge: number[] = [];
  while (kept.length > maxActiveKeys - 1) purge.push(kept.pop()!);
  return { before, promote: { from: 0, to }, newStaged: 0, purge, after: describeLayout([0, ...kept]) };
}

/** `FernetUtils.initialize_key_repository`: nothing if 0 exists, else create 0 and rotate once. */
export function planSetup(indices: Iterable<number>, maxActiveKeys: number = DEFAULT_MAX_ACTIVE_KEYS): SetupPlan {
  checkMaxActive(maxActiveKeys);
  const list = [...indices];
  if (list.includes(0)) return { action: 'none', reason: 'key 0 already exists' };
  return { action: 'initialize', createStaged: 0, rotation: planRotation([...list, 0], maxActiveKeys) };
}

// ---------------------------------------------------------------------------
// I/O

export interface KeyWriteOptions {
  /** random source for new keys (32 bytes); default crypto.randomBytes */
  readonly random?: (n: number) => Uint8Array;
}

interface KeyFile {
  readonly index: number;
  readonly path: string;
  readonly text: string;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile(); // os.path.isfile follows symlinks
  } catch {
    return false;
  }
}

/**
 * `_get_key_files`: regular files whose name is an integer and whose content
 * is not empty. Where two names give one index ("1", "01") the later name in
 * sort order wins (Python: the later in listdir order).
 */
export async function readKeyFiles(dir: string): Promise<Map<number, KeyFile>> {
  const out = new Map<number, KeyFile>();
  for (const name of (await readdir(dir)).sort()) {
    const index = keyIndexOf(name);
    const path = join(dir, name);
    if (index === null || !(await isFile(path))) continue;
    // A rotation may rename the file between the listing and the read (0 ->
    // N, then 0.tmp -> 0): it is gone from this snapshot, and the next read
    // of the repository sees its new name. Thrown, its ENOENT reached the API
    // as a 503 (make run: ID-KEY-ROTATION, one validation 77 ms after a
    // rotation done right).
    const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return '';
      throw e;
    });
    if (text.length === 0) continue;
    out.set(index, { index, path, text });
  }
  return out;
}

async function accessible(dir: string, mode: number): Promise<boolean> {
  try {
    await access(dir, mode);
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * `FernetUtils.load_keys`: every key, primary first, then secondaries
 * (descending), then the staged key 0. An unreadable or missing directory
 * gives [] (Keystone then fails with KeysNotFound); a key file that is not a
 * Fernet key throws KeyRepositoryError('bad-key').
 */
export async function load(dir: string): Promise<RepositoryKey[]> {
  if (!(await accessible(dir, fsConstants.R_OK | fsConstants.X_OK))) return [];
  const files = await readKeyFiles(dir);
  return loadOrder(files.keys()).map(({ index, role }) => {
    const f = files.get(index)!;
    let k: FernetKey;
    try {
      k = parseKey(f.text);
    } catch (e) {
      throw new KeyRepositoryError('bad-key', `${f.path}: ${(e as Error).message}`);
    }
    return { index, role, path: f.path, text: f.text, signingKey: k.signingKey, encryptionKey: k.encryptionKey };
  });
}

/** `_create_tmp_new_key`: 0.tmp, mode 0600 (umask 0177). */
async function writeTmpKey(dir: string, opts: KeyWriteOptions): Promise<string> {
  const tmp = join(dir, '0.tmp');
  const key = generateKey(opts.random);
  try {
    await writeFile(tmp, key, { mode: 0o600 });
    await chmod(tmp, 0o600);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return tmp;
}

async function requireWritableRepo(dir: string): Promise<void> {
  if (!(await accessible(dir, fsConstants.R_OK | fsConstants.X_OK | fsConstants.W_OK))) {
    throw new KeyRepositoryError('not-accessible', `key repository ${dir} does not exist or is not writable`);
  }
}

/**
 * `keystone-manage fernet_rotate`. Returns what was done. Throws
 * KeyRepositoryError before touching anything if the repository has no key 0.
 */
export async function rotate(
  dir: string,
  maxActiveKeys: number = DEFAULT_MAX_ACTIVE_KEYS,
  opts: KeyWriteOptions = {},
): Promise<RotationPlan> {
  await requireWritableRepo(dir);
  const files = await readKeyFiles(dir);
  const plan = planRotation(files.keys(), maxActiveKeys);
  const tmp = await writeTmpKey(dir, opts);
  await rename(join(dir, '0'), join(dir, String(plan.promote.to)));
  await rename(tmp, join(dir, '0'));
  for (const index of plan.purge) {
    const f = files.get(index);
    await unlink(f ? f.path : join(dir, String(index)));
  }
  return plan;
}

/**
 * `keystone-manage fernet_setup`: creates the directory (0700) if needed; if
 * key 0 exists does nothing, else writes key 0 and rotates once (keys 0 and 1
 * for a new repository).
 */
export async function setup(
  dir: string,
  opts: KeyWriteOptions & { readonly maxActiveKeys?: number } = {},
): Promise<SetupPlan> {
  const maxActiveKeys = opts.maxActiveKeys ?? DEFAULT_MAX_ACTIVE_KEYS;
  checkMaxActive(maxActiveKeys);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await requireWritableRepo(dir);
  // initialize_key_repository checks that a file named 0 exists at all
  let zeroExists = true;
  try {
    await access(join(dir, '0'), fsConstants.F_OK);
  } catch {
    zeroExists = false;
  }
  if (zeroExists) return { action: 'none', reason: 'key 0 already exists' };
  const plan = planSetup((await readKeyFiles(dir)).keys(), maxActiveKeys);
  if (plan.action === 'none') return plan;
  await rename(await writeTmpKey(dir, opts), join(dir, '0'));
  await rotate(dir, maxActiveKeys, opts);
  return plan;
}

const TMP_MARK = '.fernet-tmp-';

function siblingTemp(target: string, kind: string): string {
  return join(dirname(target), `.${basename(target)}${TMP_MARK}${kind}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

async function lstatOrNull(path: string) {
  try {
    return await lstat(path);
  } catch {
    return null;
  }
}

/**
 * Copy the key repository `from` to `to` (what operators do with rsync after
 * a rotation). Every key file of `from` is written into a fresh 0700
 * directory beside `to`, which then replaces `to`:
 *
 *   - `to` absent: one rename, atomic;
 *   - `to` a symbolic link: a new link to the fresh directory is renamed over
 *     it, atomic; the previous target is removed if an earlier distribute
 *     created it;
 *   - `to` a directory: `to` is renamed aside, the fresh directory renamed to
 *     `to`, the old one removed. A reader listing `to` between the two
 *     renames finds no directory (no torn set of keys, but a moment without
 *     one); deploy `to` as a symlink for a fully atomic swap.
 */
export async function distribute(from: string, to: string): Promise<void> {
  if (resolve(from) === resolve(to)) throw new KeyRepositoryError('bad-argument', 'distribute: source and target are the same');
  if (!(await accessible(from, fsConstants.R_OK | fsConstants.X_OK))) {
    throw new KeyRepositoryError('not-accessible', `key repository ${from} is not readable`);
  }
  const files = await readKeyFiles(from);
  if (files.size === 0) throw new KeyRepositoryError('empty-repository', `key repository ${from} holds no key`);
  await mkdir(dirname(resolve(to)), { recursive: true });

  const fresh = siblingTemp(to, 'dir');
  await mkdir(fresh, { mode: 0o700 });
  try {
    await chmod(fresh, 0o700);
    for (const f of files.values()) {
      const p = join(fresh, basename(f.path));
      await writeFile(p, f.text, { mode: 0o600, flush: true });
      await chmod(p, 0o600);
    }
  } catch (e) {
    await rm(fresh, { recursive: true, force: true });
    throw e;
  }

  const current = await lstatOrNull(to);
  if (current === null) {
    await rename(fresh, to);
    return;
  }
  if (current.isSymbolicLink()) {
    const oldTarget = await readlink(to);
    const link = siblingTemp(to, 'link');
    await symlink(basename(fresh), link);
    await rename(link, to);
    const oldPath = isAbsolute(oldTarget) ? oldTarget : join(dirname(to), oldTarget);
    if (basename(oldPath).includes(TMP_MARK)) await rm(oldPath, { recursive: true, force: true });
    return;
  }
  const aside = siblingTemp(to, 'old');
  await rename(to, aside);
  try {
    await rename(fresh, to);
  } catch (e) {
    await rename(aside, to);
    await rm(fresh, { recursive: true, force: true });
    throw e;
  }
  await rm(aside, { recursive: true, force: true });
}
