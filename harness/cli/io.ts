// The CLI's streams are parameters, so tests drive commands in-process.
export interface Io {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream;
}

export function println(s: NodeJS.WritableStream, text = ''): void {
  s.write(text + '\n');
}
