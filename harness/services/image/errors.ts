// Glance's faults as webob's JSON error body: {"code": "404 Not Found",
// "title": "Not Found", "message": ...}.
import { ApiError } from '../http.js';

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
};

export function glanceErrorBody(status: number, message: string): unknown {
  const title = TITLES[status] ?? 'Error';
  return { code: `${status} ${title}`, title, message };
}

export class GlanceError extends ApiError {
  constructor(status: number, message: string) {
    super(status, message);
    this.name = 'GlanceError';
  }
  override body(): unknown {
    return glanceErrorBody(this.status, this.message);
  }
}

export const badRequest = (m: string) => new GlanceError(400, m);
export const forbidden = (m: string) => new GlanceError(403, m);
export const imageNotFound = (id: string) => new GlanceError(404, `No image found with ID ${id}`);
export const conflict = (m: string) => new GlanceError(409, m);
export const unsupportedMediaType = (ct: string) => new GlanceError(415, `Content type ${ct} is not supported for PATCH; use application/openstack-images-v2.1-json-patch`);
