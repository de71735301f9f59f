// The compute API's pure parts: which action a state refuses (Nova's 409),
// what it moves through, the status shown, device names, microversions.
import { describe, expect, it } from 'vitest';
import { refusal, statusOf, taskOf, vmStateAfter, type Action } from '../../harness/services/compute/lifecycle.js';
import { atLeast, microversion, nextDevice } from '../../harness/services/compute/view.js';
import type { VmState } from '../../harness/services/compute/types.js';

describe('quiesce state machine', () => {
  it('quiesces an active server with no task, and unquiesces only a quiesced one', () => {
    expect(refusal('quiesce', { vm: 'active', task: null })).toBeNull();
    expect(refusal('unquiesce', { vm: 'quiesced', task: null })).toBeNull();
    expect(vmStateAfter('quiesce', 'active')).toBe('quiesced');
    expect(vmStateAfter('unquiesce', 'quiesced')).toBe('active');
    expect(taskOf('quiesce')).toBe('quiescing');
    expect(taskOf('unquiesce')).toBe('unquiescing');
  });
  it.each<[Action, VmState]>([
    ['quiesce', 'quiesced'],
    ['quiesce', 'building'],
    ['quiesce', 'error'],
    ['quiesce', 'stopped'],
    ['unquiesce', 'active'],
    ['unquiesce', 'building'],
    ['createImage', 'quiesced'],
    ['attach', 'quiesced'],
    ['detach', 'building'],
  ])('refuses %s in vm_state %s', (action, vm) => {
    expect(refusal(action, { vm, task: null })).toEqual({ attr: 'vm_state', state: vm });
  });
  it('refuses anything while a task runs, naming the task', () => {
    expect(refusal('quiesce', { vm: 'active', task: 'image_snapshot' })).toEqual({ attr: 'task_state', state: 'image_snapshot' });
    expect(refusal('unquiesce', { vm: 'quiesced', task: 'quiescing' })).toEqual({ attr: 'task_state', state: 'quiescing' });
    expect(refusal('createImage', { vm: 'active', task: 'unquiescing' })).toEqual({ attr: 'task_state', state: 'unquiescing' });
  });
  it('createImage keeps the vm_state and runs as image_snapshot', () => {
    expect(taskOf('createImage')).toBe('image_snapshot');
    expect(vmStateAfter('createImage', 'active')).toBe('active');
    expect(taskOf('attach')).toBeNull();
  });
  it('shows Nova statuses', () => {
    expect(['building', 'active', 'quiesced', 'stopped', 'error'].map((s) => statusOf(s as VmState))).toEqual(['BUILD', 'ACTIVE', 'QUIESCED', 'SHUTOFF', 'ERROR']);
  });
});

describe('devices and microversions', () => {
  it('gives the next free virtio name after the root', () => {
    expect(nextDevice(['/dev/vda'])).toBe('/dev/vdb');
    expect(nextDevice(['/dev/vda', '/dev/vdb', '/dev/vdd'])).toBe('/dev/vdc');
  });
  it('reads the compute microversion from either header', () => {
    expect(microversion({}, [2, 45])).toEqual([2, 1]);
    expect(microversion({ 'openstack-api-version': 'compute 2.45' }, [2, 45])).toEqual([2, 45]);
    expect(microversion({ 'openstack-api-version': 'volume 3.14' }, [2, 45])).toEqual([2, 1]);
    expect(microversion({ 'x-openstack-nova-api-version': '2.30' }, [2, 45])).toEqual([2, 30]);
    expect(microversion({ 'openstack-api-version': 'compute latest' }, [2, 45])).toEqual([2, 45]);
    expect(atLeast([2, 45], 2, 45)).toBe(true);
    expect(atLeast([2, 44], 2, 45)).toBe(false);
    expect(atLeast([3, 0], 2, 45)).toBe(true);
  });
});
