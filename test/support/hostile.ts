import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { ROOT, waitFor } from './cli-process.js';

/** HostileServer is test/support/hostile-server.mjs running in a process of its own. */
export interface HostileServer {
  /** http://127.0.0.1:PORT; a mode's API root is `${url}/<mode>/v1` (or `${url}/<mode>/<series>/v1`). */
  url: string;
  close(): void;
}

/** startHostileServer starts the misbehaving server and waits until it listens. */
export async function startHostileServer(): Promise<HostileServer> {
  const child = spawn(process.execPath, [resolve(ROOT, 'test/support/hostile-server.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  const port = (await waitFor(() => out, /listening (\d+)/, 10_000))[1];
  return { url: `http://127.0.0.1:${port}`, close: () => void child.kill('SIGTERM') };
}
