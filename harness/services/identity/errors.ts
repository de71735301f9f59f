// Keystone's error shape: {"error": {"code": 404, "message": "...", "title": "Not Found"}}
// with keystone/exception.py's message texts.
import { ApiError } from '../http.js';

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Request Entity Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function titleOf(status: number): string {
  return TITLES[status] ?? 'Error';
}

export function keystoneErrorBody(status: number, message: string): { error: { code: number; message: string; title: string } } {
  return { error: { code: status, message, title: titleOf(status) } };
}

export class KeystoneError extends ApiError {
  constructor(status: number, message: string) {
    super(status, message);
    this.name = 'KeystoneError';
  }
  override body(): unknown {
    return keystoneErrorBody(this.status, this.message);
  }
}

export const AUTH_REQUIRED = 'The request you have made requires authentication.';

export const badRequest = (message: string) => new KeystoneError(400, message);
export const validationError = (field: string, reason: string) => new KeystoneError(400, `Invalid input for field '${field}': ${reason}`);
export const unauthorized = (message: string = AUTH_REQUIRED) => new KeystoneError(401, message);
export const forbidden = (action: string) => new KeystoneError(403, `You are not authorized to perform the requested action: ${action}.`);
export const forbiddenMessage = (message: string) => new KeystoneError(403, message);
export const notFound = (kind: string, id: string) => new KeystoneError(404, `Could not find ${kind}: ${id}.`);
/** TokenNotFound, as Keystone answers a token it will not validate (bad, expired, revoked). */
export const tokenNotFound = (message = 'Failed to validate token') => new KeystoneError(404, message);
export const conflict = (kind: string, detail: string) => new KeystoneError(409, `Conflict occurred attempting to store ${kind} - ${detail}.`);
export const unavailable = (message: string) => new KeystoneError(503, message);
