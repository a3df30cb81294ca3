import { createServer } from 'node:net';
import { PassThrough } from 'node:stream';
import { type Io, run } from '../index.ts';

/* The command run in-process, through the same `run` that bin.ts calls, with captured streams. */

export function capture(): PassThrough & { text(): string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => {
    text += d;
  });
  return Object.assign(stream, { text: () => text });
}

export async function invoke(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
  now = new Date('2026-03-04T12:00:00Z'),
) {
  const stdout = capture();
  const stderr = Object.assign(capture(), { isTTY: false });
  const io: Io = {
    stdout,
    stderr,
    env: { ...env },
    cwd,
    now: () => now,
    signal: () => new Promise(() => {}),
  };
  const code = await run(args, io);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** A port nothing listens on: bound, noted, released. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
