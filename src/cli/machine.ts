import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * fileDescriptorLimit reads this process's soft limit on open files (`ulimit -n`): from
 * /proc/self/limits on Linux, else from the shell; undefined when neither answers. The run caps
 * an open loop's outstanding requests below it, so a fast arrival rate is dropped by the
 * generator (and said so) instead of failing with EMFILE.
 */
export function fileDescriptorLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (m) return m[1] === 'unlimited' ? undefined : Number(m[1]);
  } catch {
    // not Linux: ask the shell
  }
  try {
    const n = Number(execFileSync('/bin/sh', ['-c', 'ulimit -n'], { encoding: 'utf8', timeout: 2000 }).trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}
