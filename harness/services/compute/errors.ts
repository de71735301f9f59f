// Nova's faults: {"<faultName>": {"code", "message"}}, the name from the
// webob exception (itemNotFound, badRequest, conflictingRequest, ...).
import { ApiError } from '../http.js';

const NAMES: Readonly<Record<number, string>> = {
  400: 'badRequest',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'HTTPMethodNotAllowed',
  409: 'conflictingRequest',
  413: 'overLimit',
  500: 'computeFault',
  503: 'serviceUnavailable',
};

export class NovaError extends ApiError {
  constructor(status: number, message: string) {
    super(status, message);
    this.name = 'NovaError';
  }
  override body(): unknown {
    return novaErrorBody(this.status, this.message);
  }
}

export function novaErrorBody(status: number, message: string): unknown {
  return { [NAMES[status] ?? 'computeFault']: { code: status, message } };
}

export const badRequest = (message: string) => new NovaError(400, message);
export const serverNotFound = (id: string) => new NovaError(404, `Instance ${id} could not be found.`);
export const attachmentNotFound = (serverId: string, volumeId: string) => new NovaError(404, `Volume ${volumeId} is not attached to instance ${serverId}.`);
export const volumeNotFound = (id: string) => new NovaError(404, `Volume ${id} could not be found.`);
/** Nova's InstanceInvalidState as the API answers it. */
export const invalidState = (id: string, attr: string, state: string, action: string) =>
  new NovaError(409, `Cannot '${action}' instance ${id} while it is in ${attr} ${state}`);
export const volumeInUse = (id: string) => new NovaError(409, `Volume ${id} is already attached.`);
