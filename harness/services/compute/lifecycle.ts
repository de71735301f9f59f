// Which server action is allowed in which state, and what it moves the
// server through, pure. Nova's rule: an action needs no task in progress
// and one of its vm_states; otherwise the API answers 409
// (InstanceInvalidState). Quiesce follows the (unmerged) Nova spec:
// active -> task quiescing -> vm_state quiesced; quiesced -> task
// unquiescing -> active.
import type { TaskState, VmState } from './types.js';

export interface Lifecycle {
  readonly vm: VmState;
  readonly task: TaskState | null;
}

export type Action = 'quiesce' | 'unquiesce' | 'createImage' | 'attach' | 'detach';

const ALLOWED: Readonly<Record<Action, readonly VmState[]>> = {
  quiesce: ['active'],
  unquiesce: ['quiesced'],
  createImage: ['active'],
  attach: ['active', 'stopped'],
  detach: ['active', 'stopped'],
};

export type Refusal = { readonly attr: 'vm_state' | 'task_state'; readonly state: string };

/** null when the action may start, else what refuses it. */
export function refusal(action: Action, s: Lifecycle): Refusal | null {
  if (s.task !== null) return { attr: 'task_state', state: s.task };
  if (!ALLOWED[action].includes(s.vm)) return { attr: 'vm_state', state: s.vm };
  return null;
}

/** The task state an action runs under (null: it holds no task). */
export function taskOf(action: Action): TaskState | null {
  switch (action) {
    case 'quiesce':
      return 'quiescing';
    case 'unquiesce':
      return 'unquiescing';
    case 'createImage':
      return 'image_snapshot';
    default:
      return null;
  }
}

/** The vm_state after the action succeeded. */
export function vmStateAfter(action: Action, before: VmState): VmState {
  if (action === 'quiesce') return 'quiesced';
  if (action === 'unquiesce') return 'active';
  return before;
}

/** Nova's API status from vm_state (a quiesced server has no Nova status yet: QUIESCED). */
export function statusOf(vm: VmState): string {
  switch (vm) {
    case 'building':
      return 'BUILD';
    case 'active':
      return 'ACTIVE';
    case 'quiesced':
      return 'QUIESCED';
    case 'stopped':
      return 'SHUTOFF';
    case 'error':
      return 'ERROR';
    case 'deleted':
      return 'DELETED';
  }
}
