import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

/** ROOT is the package root; the CLI runs from here, as `npm start` would. */
export const ROOT = resolve(import.meta.dirname, '../..');
/** CLI_MAIN is the built entry point (`bakeoff` in package.json's bin). */
export const CLI_MAIN = resolve(ROOT, 'dist/cli/main.js');

/** CliRun is a spawned `bakeoff` process with its output collected as it arrives. */
export interface CliRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process exits (it is killed after `timeoutMs`). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/**
 * startCli spawns `node dist/cli/main.js ...args` with no shell, so signals reach the CLI itself.
 * Every run is bounded: after `timeoutMs` the process is killed and the test sees a null code.
 */
export function startCli(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): CliRun {
  const child = spawn(process.execPath, [CLI_MAIN, ...args], {
    cwd: ROOT,
    env: opts.env ?? cliEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  const killer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((done) => {
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      done({ code, signal, stdout: out, stderr: err });
    });
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** runCli runs the CLI to completion. */
export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) {
  return startCli(args, opts).exited;
}

/**
 * cliEnv is the test process's environment without anything that could change the CLI's behaviour: no COLUMNS either,
 * so the console report (not on a terminal here) prints every column in full, as scripts read it.
 */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('BAKEOFF_') && !k.startsWith('VITEST') && k !== 'NODE_OPTIONS' && k !== 'COLUMNS') env[k] = v;
  return { ...env, ...extra };
}

/** waitFor polls `read()` until it matches, at most `timeoutMs`; returns the match. */
export async function waitFor(read: () => string, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = read().match(pattern);
    if (m) return m;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${pattern}; got:\n${read()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** ensureBuilt builds dist/ when a test runs without `npm test`'s pretest build (e.g. `npx vitest run`). */
export async function ensureBuilt(): Promise<void> {
  const { existsSync } = await import('node:fs');
  if (existsSync(CLI_MAIN)) return;
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT, timeout: 120_000 });
}

/** writeDoc writes a scenario (or projection) document into `dir`: JSON for *.json, YAML otherwise. */
export async function writeDoc(dir: string, name: string, doc: unknown): Promise<string> {
  const { writeFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { stringify } = await import('yaml');
  const path = join(dir, name);
  await writeFile(path, name.endsWith('.json') ? JSON.stringify(doc) : stringify(doc));
  return path;
}

/** MockProcess is `bakeoff mock` running in a process of its own, and where it listens. */
export interface MockProcess {
  run: CliRun;
  /** API root ending in /v1. */
  baseUrl: string;
  stop(): Promise<void>;
}

/**
 * startMockProcess runs `bakeoff mock` on an ephemeral loopback port with fixed latencies, in its
 * own process (blocking the test's process does not delay its answers), and waits until it listens.
 */
export async function startMockProcess(
  latency: { ttftMs: number; itlMs: number; rttMs?: number },
  timeoutMs = 120_000,
): Promise<MockProcess> {
  const run = startCli(
    ['mock', '--port', '0', '--ttft-ms', String(latency.ttftMs), '--itl-ms', String(latency.itlMs), '--rtt-ms', String(latency.rttMs ?? 0)],
    { timeoutMs },
  );
  const baseUrl = (await waitFor(run.stdout, /listening on (http:\/\/127\.0\.0\.1:\d+\/v1)\s/, 10_000))[1]!;
  return {
    run,
    baseUrl,
    async stop() {
      run.child.kill('SIGINT');
      await run.exited;
    },
  };
}
