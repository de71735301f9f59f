// Errors a user can act on: where (file:line:col) and what to change.

export interface Located {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

export type ErrorCode = 'SCENARIO_INVALID' | 'SCENARIO_UNREADABLE' | 'RUNTIME' | 'USAGE';

export class MshError extends Error {
  readonly code: ErrorCode;
  readonly issues: readonly Located[];

  constructor(code: ErrorCode, message: string, issues: readonly Located[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MshError';
    this.code = code;
    this.issues = issues;
  }
}

export function formatLocated(i: Located): string {
  return `${i.file}:${i.line}:${i.col}: ${i.message}`;
}
