// The Runtime on a Docker engine, through dockerode. Containers get no
// network from Docker (NetworkMode none): the harness wires every interface.
import { PassThrough } from 'node:stream';
import { createInterface } from 'node:readline';
import Docker from 'dockerode';
import { MshError } from '../scenario/errors.js';
import type { ContainerInfo, ContainerSpec, ContainerState, ExecOptions, ExecResult, Runtime } from './runtime.js';

/**
 * How long a call may wait for the engine's answer (an exec's output stream
 * excepted: agents stream for a whole run). A hung dockerd was seen once
 * (every shim gone, inspect never answering): this fails the run, naming the
 * call, instead of hanging it until some outer timeout.
 */
const ANSWER_MS = 60_000;

export class DockerRuntime implements Runtime {
  private readonly docker: Docker;
  private readonly answerMs: number;

  constructor(socketPath = '/var/run/docker.sock', answerMs = ANSWER_MS) {
    this.docker = new Docker({ socketPath });
    this.answerMs = answerMs;
  }

  private answered<T>(what: string, call: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new MshError('RUNTIME', `the Docker engine did not answer ${what} within ${this.answerMs / 1000} s (is dockerd hung?)`)), this.answerMs);
    });
    return Promise.race([call, late]).finally(() => clearTimeout(timer));
  }

  async create(spec: ContainerSpec): Promise<string> {
    const c = await this.answered(`the creation of ${spec.name}`, this.docker.createContainer({
      name: spec.name,
      Image: spec.image,
      Hostname: spec.hostname,
      Labels: { ...spec.labels },
      Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
      ...(spec.cmd ? { Cmd: [...spec.cmd] } : {}),
      HostConfig: {
        NetworkMode: 'none',
        Binds: [...spec.binds],
        // NET_ADMIN/NET_RAW for addresses, ARP and captures; the rest stays default.
        CapAdd: ['NET_ADMIN', 'NET_RAW', 'SYS_ADMIN'],
        Sysctls: { ...spec.sysctls },
        ...(spec.cpusetCpus !== undefined ? { CpusetCpus: spec.cpusetCpus } : {}),
      },
    }));
    return c.id;
  }

  async start(id: string): Promise<void> {
    await this.answered(`a start of ${id}`, this.docker.getContainer(id).start());
  }

  async stop(id: string): Promise<void> {
    await this.answered(`a stop of ${id}`, this.docker.getContainer(id).stop({ t: 1 }));
  }

  async kill(id: string, signal = 'SIGKILL'): Promise<void> {
    await this.answered(`a kill of ${id}`, this.docker.getContainer(id).kill({ signal }));
  }

  async pause(id: string): Promise<void> {
    await this.answered(`a pause of ${id}`, this.docker.getContainer(id).pause());
  }

  async unpause(id: string): Promise<void> {
    await this.answered(`an unpause of ${id}`, this.docker.getContainer(id).unpause());
  }

  async exec(id: string, cmd: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    if (opts.signal?.aborted) return { exitCode: -1, stdout: '', stderr: 'aborted before it started' };
    const what = `an exec of ${cmd[0] ?? ''} in ${id}`;
    const exec = await this.answered(what, this.docker.getContainer(id).exec({ Cmd: [...cmd], AttachStdout: true, AttachStderr: true }));
    const stream = await this.answered(what, exec.start({ hijack: true, stdin: false }));
    // Docker has no call to signal an exec: its Pid is the host's, and the harness runs as root on that host.
    const interrupt = () =>
      void exec.inspect().then(
        (i) => i.Running && i.Pid > 0 && process.kill(i.Pid, 'SIGINT'),
        () => undefined,
      ).catch(() => undefined);
    opts.signal?.addEventListener('abort', interrupt, { once: true });
    const out = new PassThrough();
    const err = new PassThrough();
    this.docker.modem.demuxStream(stream, out, err);
    const stdout: string[] = [];
    const stderr: string[] = [];
    const lines = createInterface({ input: out });
    lines.on('line', (l) => {
      if (opts.onLine) opts.onLine(l);
      else stdout.push(l);
    });
    err.on('data', (d: Buffer) => stderr.push(d.toString()));
    await new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', reject);
    });
    // The hijacked socket can stay half-open after dockerd ends its side (seen
    // when the container is removed under a running exec): close ours, or the
    // process never exits.
    stream.destroy();
    out.end();
    err.end();
    await new Promise((r) => lines.once('close', r));
    opts.signal?.removeEventListener('abort', interrupt);
    const info = await this.answered(what, exec.inspect());
    return { exitCode: info.ExitCode ?? -1, stdout: stdout.join('\n'), stderr: stderr.join('') };
  }

  async spawn(id: string, cmd: readonly string[]): Promise<void> {
    const what = `a start of ${cmd[0] ?? ''} in ${id}`;
    const exec = await this.answered(what, this.docker.getContainer(id).exec({ Cmd: [...cmd], AttachStdout: false, AttachStderr: false }));
    // Detached, dockerd still answers on a stream: close it, or its socket keeps the process alive.
    const stream = (await this.answered(what, exec.start({ Detach: true }))) as unknown as { destroy?: () => void } | undefined;
    stream?.destroy?.();
  }

  async logs(id: string): Promise<string> {
    const buf = await this.answered(`the logs of ${id}`, this.docker.getContainer(id).logs({ stdout: true, stderr: true, follow: false }));
    return buf.toString();
  }

  async pid(id: string): Promise<number> {
    const info = await this.answered(`an inspect of ${id}`, this.docker.getContainer(id).inspect());
    if (!info.State.Running || !info.State.Pid) throw new MshError('RUNTIME', `container ${info.Name} is not running`);
    return info.State.Pid;
  }

  async state(id: string): Promise<ContainerState> {
    const st = (await this.answered(`an inspect of ${id}`, this.docker.getContainer(id).inspect())).State;
    // Docker reports "0001-01-01T00:00:00Z" for a container that never exited.
    const finished = Date.parse(st.FinishedAt);
    return { running: st.Running, paused: st.Paused, ...(finished > 0 ? { finishedAt: finished } : {}) };
  }

  async remove(id: string): Promise<void> {
    const c = this.docker.getContainer(id);
    try {
      await this.answered(`the removal of ${id}`, c.remove({ force: true, v: true }));
    } catch (err) {
      // Removing twice is fine: teardown, signal handlers, `msh clean` and
      // another run's reaping of a stale run may race. 409 = another removal
      // is in progress: wait for it, so that "removed" still means gone.
      const code = (err as { statusCode?: number }).statusCode;
      if (code === 404) return;
      if (code !== 409) throw err;
      const deadline = Date.now() + 30_000;
      while (await this.answered(`an inspect of ${id}`, c.inspect()).then(() => true, (e: { statusCode?: number }) => e.statusCode !== 404)) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async list(label: string, value?: string): Promise<ContainerInfo[]> {
    const found = await this.answered('a list of containers', this.docker.listContainers({ all: true, filters: { label: [value === undefined ? label : `${label}=${value}`] } }));
    return found.map((c) => ({ id: c.Id, name: (c.Names[0] ?? '').replace(/^\//, ''), labels: c.Labels, state: c.State }));
  }

  async imageExists(ref: string): Promise<boolean> {
    try {
      await this.answered(`an inspect of image ${ref}`, this.docker.getImage(ref).inspect());
      return true;
    } catch (err) {
      if (err instanceof MshError) throw err; // no answer is not "no such image"
      return false;
    }
  }
}
