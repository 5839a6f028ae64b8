import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

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

/**
 * usableCores is how many cores this process can keep busy: the cores it may run on
 * (availableParallelism), lowered to its cgroup's CPU quota when it has one — a container limited
 * to 2 CPUs on a 64-core node gets 2, not 64 (cgroup v2's cpu.max, "200000 100000"; v1's
 * cfs_quota_us / cfs_period_us).
 */
export function usableCores(): number {
  const cores = availableParallelism();
  const quota = cgroupCpuQuota();
  return quota === undefined ? cores : Math.max(1, Math.min(cores, Math.ceil(quota)));
}

function cgroupCpuQuota(): number | undefined {
  const read = (f: string) => {
    try {
      return readFileSync(f, 'utf8').trim();
    } catch {
      return undefined;
    }
  };
  const v2 = read('/sys/fs/cgroup/cpu.max')?.split(/\s+/);
  if (v2 && v2[0] !== 'max' && Number(v2[0]) > 0 && Number(v2[1]) > 0) return Number(v2[0]) / Number(v2[1]);
  const q = Number(read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us'));
  const p = Number(read('/sys/fs/cgroup/cpu/cpu.cfs_period_us'));
  return q > 0 && p > 0 ? q / p : undefined;
}
