// Cinder's faults: {"<name>": {"code": N, "message": "..."}} where the name
// comes from the HTTP status as in cinder/api/openstack/wsgi.py's
// _fault_names (itemNotFound, badRequest, conflictingRequest, ...).
import { ApiError } from '../http.js';

const FAULT_NAMES: Readonly<Record<number, string>> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  406: 'notAcceptable',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

export function faultName(status: number): string {
  return FAULT_NAMES[status] ?? 'computeFault';
}

export function cinderErrorBody(status: number, message: string): unknown {
  return { [faultName(status)]: { code: status, message } };
}

export class CinderError extends ApiError {
  constructor(status: number, message: string) {
    super(status, message);
    this.name = 'CinderError';
  }
  override body(): unknown {
    return cinderErrorBody(this.status, this.message);
  }
}

export const badRequest = (message: string) => new CinderError(400, message);
export const notFound = (message: string) => new CinderError(404, message);
export const conflict = (message: string) => new CinderError(409, message);

export const volumeNotFound = (id: string) => notFound(`Volume ${id} could not be found.`);
export const snapshotNotFound = (id: string) => notFound(`Snapshot ${id} could not be found.`);
export const backupNotFound = (id: string) => notFound(`Backup ${id} could not be found.`);
export const volumeTypeNotFound = (id: string) => notFound(`Volume type ${id} could not be found.`);
export const groupTypeNotFound = (id: string) => notFound(`Group type ${id} could not be found.`);
export const groupNotFound = (id: string) => notFound(`Group ${id} could not be found.`);
export const groupSnapshotNotFound = (id: string) => notFound(`GroupSnapshot ${id} could not be found.`);
export const invalidVolume = (reason: string) => badRequest(`Invalid volume: ${reason}`);
export const invalidSnapshot = (reason: string) => badRequest(`Invalid snapshot: ${reason}`);
export const invalidBackup = (reason: string) => badRequest(`Invalid backup: ${reason}`);
export const invalidGroup = (reason: string) => badRequest(`Invalid Group: ${reason}`);
