// Runs l2.ts command lists in the controller's netns (the services process
// shares it) and reads back what the kernel holds. One `ip -batch` or
// `bridge -batch` per run of consecutive commands of the same tool and
// strictness, in order.
import { execa } from 'execa';
import { parseFdb, parseLinks, parseNeigh, render, type Cmd, type FdbEntry, type NeighEntry, type Observed } from './l2.js';

export class L2ExecError extends Error {
  readonly commands: readonly string[];
  constructor(message: string, commands: readonly string[]) {
    super(message);
    this.name = 'L2ExecError';
    this.commands = commands;
  }
}

interface Group {
  tool: Cmd['tool'];
  mayFail: boolean;
  lines: string[];
}

function groups(cmds: readonly Cmd[]): Group[] {
  const out: Group[] = [];
  for (const c of cmds) {
    const last = out[out.length - 1];
    if (last && last.tool === c.tool && last.mayFail === c.mayFail) last.lines.push(c.line);
    else out.push({ tool: c.tool, mayFail: c.mayFail, lines: [c.line] });
  }
  return out;
}

export interface RunReport {
  /** stderr of tolerated failures (removals of entries already gone). */
  readonly tolerated: string[];
}

/** Runs the commands; throws L2ExecError at the first strict failure (commands before it stay applied). */
export async function runCommands(cmds: readonly Cmd[]): Promise<RunReport> {
  const tolerated: string[] = [];
  for (const g of groups(cmds)) {
    // -force: keep going past a failed line (only for removals).
    const args = [...(g.mayFail ? ['-force'] : []), '-batch', '-'];
    const r = await execa(g.tool, args, { input: g.lines.join('\n') + '\n', reject: false });
    if (r.exitCode !== 0) {
      const msg = (r.stderr || r.stdout).trim();
      if (g.mayFail) tolerated.push(msg);
      else throw new L2ExecError(`${g.tool} -batch failed: ${msg}`, g.lines.map((line) => render({ tool: g.tool, line, mayFail: false })));
    }
  }
  return { tolerated };
}

async function json(cmd: string, args: readonly string[]): Promise<unknown> {
  const r = await execa(cmd, args, { reject: false });
  if (r.exitCode !== 0) throw new L2ExecError(`${cmd} ${args.join(' ')} failed: ${r.stderr.trim()}`, []);
  return r.stdout.trim() === '' ? [] : (JSON.parse(r.stdout) as unknown);
}

/** The links of this netns, and the FDB and neigh entries of every vxlan device. */
export async function observe(): Promise<Observed> {
  const links = parseLinks(await json('ip', ['-j', '-d', 'link', 'show']));
  const fdb = new Map<string, FdbEntry[]>();
  const neigh = new Map<string, NeighEntry[]>();
  for (const l of links) {
    if (l.kind !== 'vxlan') continue;
    fdb.set(l.name, parseFdb(await json('bridge', ['-j', 'fdb', 'show', 'dev', l.name])));
    neigh.set(l.name, parseNeigh(await json('ip', ['-4', '-j', 'neigh', 'show', 'dev', l.name])));
  }
  return { links, fdb, neigh };
}

/** The IPv4 addresses and MTU of a device, or null if it does not exist. */
export async function deviceInfo(dev: string): Promise<{ addresses: string[]; mtu: number } | null> {
  const r = await execa('ip', ['-j', '-4', 'addr', 'show', 'dev', dev], { reject: false });
  if (r.exitCode !== 0 || r.stdout.trim() === '') return null;
  const parsed = JSON.parse(r.stdout) as unknown;
  const first = Array.isArray(parsed) ? (parsed[0] as unknown) : undefined;
  if (typeof first !== 'object' || first === null) return null;
  const o = first as { mtu?: unknown; addr_info?: unknown };
  const addrs = Array.isArray(o.addr_info) ? o.addr_info : [];
  return {
    mtu: typeof o.mtu === 'number' ? o.mtu : 0,
    addresses: addrs.flatMap((a: unknown) => {
      const local = typeof a === 'object' && a !== null ? (a as { local?: unknown }).local : undefined;
      return typeof local === 'string' ? [local] : [];
    }),
  };
}
