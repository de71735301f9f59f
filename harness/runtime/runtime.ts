// What the harness needs from a container engine, and nothing more. The
// Docker implementation lives in docker.ts; nothing else imports dockerode.

export const LABEL = {
  run: 'msh.run',
  scenario: 'msh.scenario',
  site: 'msh.site',
  node: 'msh.node',
  owner: 'msh.owner-pid',
  keep: 'msh.keep',
} as const;

export interface ContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly hostname: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly binds: readonly string[]; // "host:container[:ro]"
  readonly env?: Readonly<Record<string, string>>;
  readonly sysctls?: Readonly<Record<string, string>>;
  readonly cmd?: readonly string[];
  /** Docker's --cpuset-cpus (e.g. "1"): the container's processes run only there (the bench pins the identity service to one core). */
  readonly cpusetCpus?: string;
}

export interface ExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ExecOptions {
  /** Called for each complete stdout line as it arrives (long-running agents). */
  readonly onLine?: (line: string) => void;
  /** On abort, the exec'd process gets SIGINT (an agent's events so far are kept; the exec then ends). */
  readonly signal?: AbortSignal;
}

export interface ContainerInfo {
  readonly id: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly state: string;
}

/** A container's state as the engine reports it (times on the wall clock, ms). */
export interface ContainerState {
  readonly running: boolean;
  readonly paused: boolean;
  /** When its main process last exited (absent if it never did). */
  readonly finishedAt?: number;
}

export interface Runtime {
  create(spec: ContainerSpec): Promise<string>;
  start(id: string): Promise<void>;
  stop(id: string): Promise<void>;
  kill(id: string, signal?: string): Promise<void>;
  pause(id: string): Promise<void>;
  unpause(id: string): Promise<void>;
  exec(id: string, cmd: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Starts a process in the container and returns at once (a daemon: it outlives the call). */
  spawn(id: string, cmd: readonly string[]): Promise<void>;
  logs(id: string): Promise<string>;
  pid(id: string): Promise<number>;
  state(id: string): Promise<ContainerState>;
  remove(id: string): Promise<void>;
  list(label: string, value?: string): Promise<ContainerInfo[]>;
  imageExists(ref: string): Promise<boolean>;
}

/** The same runtime, every exec through it interrupted when `signal` aborts (a session's agents, on Ctrl-C). */
export function interruptible(runtime: Runtime, signal: AbortSignal): Runtime {
  // The prototype is the runtime itself: every other method, and its state, unchanged.
  return Object.assign(Object.create(runtime) as Runtime, {
    exec: (id: string, cmd: readonly string[], opts: ExecOptions = {}) => runtime.exec(id, cmd, { ...opts, signal }),
  });
}
