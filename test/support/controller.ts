// A lone controller container for API tests: msh/base with the project at
// /opt/msh, a run dir at /run/msh, and an eth0 whose peer sits in a namespace
// of the test's own (nothing touches the host's netns).
import { execa } from 'execa';
import { NO_IPV6, inPid } from '../../harness/net/ip.js';
import { MOUNT, PROJECT_ROOT } from '../../harness/paths.js';
import type { Runtime } from '../../harness/runtime/runtime.js';

export const IMAGE = 'msh/base:current';

export interface TestController {
  readonly pid: number;
  /** Removes the container and the namespace; safe after a partial start. */
  remove(): Promise<void>;
}

export async function startTestController(runtime: Runtime, name: string, label: string, runDir: string, address: string): Promise<TestController> {
  // The image may be mid-rebuild: wait for the tag to come back.
  for (let i = 0; !(await runtime.imageExists(IMAGE)); i++) {
    if (i > 90) throw new Error(`${IMAGE} not present`);
    await new Promise((r) => setTimeout(r, 2000));
  }
  let created = false;
  let nsCreated = false;
  const remove = async () => {
    if (created) await runtime.remove(name).catch((e: unknown) => console.error(`removing ${name}: ${String(e)}`));
    if (nsCreated) await execa('ip', ['netns', 'delete', name], { reject: false });
  };
  try {
    await runtime.create({ name, image: IMAGE, hostname: 'controller-east', labels: { 'msh.test': label }, binds: [`${PROJECT_ROOT}:${MOUNT}:ro`, `${runDir}:/run/msh`], sysctls: NO_IPV6 });
    created = true;
    await runtime.start(name);
    const pid = await runtime.pid(name);
    await execa('ip', ['netns', 'add', name]);
    nsCreated = true;
    await execa('ip', ['-n', name, 'link', 'add', 'veth0', 'mtu', '1450', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', String(pid)]);
    await execa('ip', ['-n', name, 'link', 'set', 'veth0', 'up']);
    await inPid(pid, ['link set lo up', 'link set eth0 mtu 1450 up', `addr add ${address}/24 dev eth0`]);
    return { pid, remove };
  } catch (err) {
    await remove();
    throw err;
  }
}
