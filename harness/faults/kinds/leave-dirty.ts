// A fault injector with an incomplete heal, on purpose: it cuts a link by
// setting its VXLAN device down in the first site of the link (as a
// hand-made `ip link set down` cut does) and its heal forgets to bring it
// back up. It exists to show that HARNESS-BASELINE-RESTORED catches such an
// injector: after the run, the post-heal comparison must find the device
// (and the routes the kernel dropped with it) changed. No real scenario
// should use it; only a known-bad fixture does.
//
// Proof: the device read back down after the injection, and still down
// after the "heal" (the state this kind promises to leave behind).
import { z } from 'zod';
import { name, timing } from '../../scenario/fields.js';
import type { FaultKind, Proof } from '../kind.js';
import { linkExists } from './targets.js';

const options = z.strictObject({
  kind: z.literal('leave-dirty'),
  ...timing,
  link: name('link name').meta({ description: "The link whose device in its first site is set down and left down at heal (a known-bad injector)" }),
});

/** Injected: the device is down. Healed: it is still down, as this kind leaves it. */
export function dirtyProof(site: string, device: string, state: string, healed: boolean): Proof {
  const ok = state === 'down';
  const summary = healed
    ? ok
      ? `heal skipped on purpose: ${device} in ${site} read back still down`
      : `${device} in ${site} read back ${state} after the heal, though this kind leaves it down`
    : ok
      ? `${device} in ${site} read back down`
      : `${device} in ${site} read back ${state} after setting it down`;
  return { ok, summary, measured: { site, device, state } };
}

export const leaveDirty: FaultKind<typeof options> = {
  options,
  heals: true,
  action: false,
  target: (f) => ({ key: `link ${f.link}`, sites: [], link: f.link }),
  validate: (f, s) => linkExists(f, s),
  inject: async (f, env) => {
    const l = env.link(f.link);
    const ns = env.plan.sites.find((s) => s.name === l.a.site)!.ns;
    await env.setDown(ns, [l.a.device]);
    const read = async () => (await env.deviceStates(ns, [l.a.device]))[l.a.device] ?? 'absent';
    return {
      proof: dirtyProof(l.a.site, l.a.device, await read(), false),
      heal: async () => dirtyProof(l.a.site, l.a.device, await read(), true),
    };
  },
};
