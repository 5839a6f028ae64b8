import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

// vitest runs two test files at once. On a 2-core machine, a test that measures the client's own
// timing is disturbed by a CPU-heavy neighbour in the other worker (a CLI process starting, a
// burst of streams), and disturbs it in turn. Tests that measure timing, or that cause such a
// burst, take this lock so they never overlap each other; everything else still runs in parallel.

// One lock per vitest run: its workers share a parent process (forks) or a process (threads).
const LOCK_DIR = join(tmpdir(), `llm-bakeoff-timing-lock-${process.ppid}`);
const POLL_MS = 25;

/**
 * exclusiveTiming runs `fn` while holding the run-wide timing lock. It waits at most `maxWaitMs`
 * for the lock, then runs anyway (a wedged holder must not fail an unrelated test); a lock left
 * by a process that died is taken over.
 */
export async function exclusiveTiming<T>(fn: () => Promise<T>, maxWaitMs = 20_000): Promise<T> {
  const held = await acquire(maxWaitMs);
  try {
    return await fn();
  } finally {
    if (held) await rm(LOCK_DIR, { recursive: true, force: true });
  }
}

async function acquire(maxWaitMs: number): Promise<boolean> {
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    try {
      // mkdir is atomic: exactly one contender creates the directory.
      await mkdir(LOCK_DIR);
      await writeFile(join(LOCK_DIR, 'owner'), String(process.pid));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return false;
    }
    if (await ownerIsGone()) {
      await rm(LOCK_DIR, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) return false;
    await sleep(POLL_MS);
  }
}

async function ownerIsGone(): Promise<boolean> {
  let pid: number;
  try {
    pid = Number(await readFile(join(LOCK_DIR, 'owner'), 'utf8'));
  } catch {
    return false; // just created; the owner file is being written
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
