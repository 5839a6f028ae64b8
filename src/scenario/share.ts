import type { Scenario } from './schema.js';
import type { Problem } from './validate.js';
/**
 * Share is one part of a scenario's load when the load is split: shard `index` of `count` across
 * machines (`run --shard 1/4`), or worker thread `index` of `count` in one process (`--workers`).
 * The split is by arrival: arrival k of the whole load (the k-th of the schedule one process
 * would follow, with the same prompt) belongs to share k mod count. So n shares together send
 * exactly the arrivals, at exactly the times, with exactly the prompts of one process — dealt
 * round-robin — and each share's counts (users, requests, budget) are its part of the total.
 */
export interface Share {
  /** 0-based. */
  index: number;
  count: number;
}

/** ONE_SHARE is the whole load. */
export const ONE_SHARE: Share = Object.freeze({ index: 0, count: 1 });

/**
 * shareCount is how many of `total` consecutive arrivals, numbered from `offset`, fall to the
 * share: the k in [offset, offset + total) with k mod count = index. The shares of one total add
 * up to it exactly (10 users over 3 shares: 4, 3, 3).
 */
export function shareCount(total: number, s: Share, offset = 0): number {
  if (s.count === 1) return total;
  return countBelow(offset + total, s) - countBelow(offset, s);
}

// How many k in [0, n) have k mod count = index.
function countBelow(n: number, s: Share): number {
  return n <= s.index ? 0 : Math.floor((n - 1 - s.index) / s.count) + 1;
}

/** globalArrival is the whole load's number for a share's `local`-th arrival. */
export function globalArrival(s: Share | undefined, local: number): number {
  return s === undefined || s.count === 1 ? local : s.index + s.count * local;
}

/** parseShare reads "i/n" (0 ≤ i < n); the error says what is wrong and what to write. */
export function parseShare(text: string): { ok: true; share: Share } | { ok: false; problem: string } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) return { ok: false, problem: `"${text}" is not a shard; write i/n with 0 ≤ i < n, e.g. 0/2 for the first of two` };
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1) return { ok: false, problem: `"${text}": n must be at least 1` };
  if (index >= count)
    return {
      ok: false,
      problem: `"${text}": the index counts from 0, so it must be below n (the shards of ${count} are 0/${count} … ${count - 1}/${count})`,
    };
  return { ok: true, share: { index, count } };
}

/**
 * splitProblems says why a scenario's load cannot be split `count` ways (`flag`: --shard or
 * --workers), naming the field: every part must get at least one user and one request, and a
 * sweep's levels are judged in one process.
 */
export function splitProblems(s: Scenario, count: number, flag: string): Problem[] {
  if (count <= 1) return [];
  const out: Problem[] = [];
  const users = (path: string, n: number | undefined) => {
    if (n !== undefined && n > 0 && n < count)
      out.push({
        path,
        message:
          `${n} user${n === 1 ? '' : 's'} cannot be split ${count} ways (${flag}); ` + `raise it to at least ${count}, or split fewer ways`,
      });
  };
  users('load.concurrency', s.load.concurrency);
  for (const [i, st] of (s.load.stages ?? []).entries()) users(`load.stages[${i}].concurrency`, st.concurrency);
  for (const [i, t] of s.targets.entries()) users(`targets[${i}].concurrency`, t.concurrency);
  if (s.load.requests !== undefined && s.load.requests < count)
    out.push({
      path: 'load.requests',
      message: `${s.load.requests} cannot be split ${count} ways (${flag}); raise it to at least ${count}, or split fewer ways`,
    });
  if (s.sweep)
    out.push({
      path: 'sweep',
      message: `a capacity sweep judges each level as it goes and runs in one process; remove ${flag} (or the sweep)`,
    });
  return out;
}

/** budgetShare is a part's budget: its share of each cap, so the parts together never cross it. */
export function budgetShare(b: NonNullable<Scenario['budget']>, share: Share | undefined): NonNullable<Scenario['budget']> {
  if (!share || share.count === 1) return b;
  return {
    ...b,
    ...(b.maxUsd !== undefined ? { maxUsd: b.maxUsd / share.count } : {}),
    ...(b.maxRequests !== undefined ? { maxRequests: Math.max(1, shareCount(b.maxRequests, share)) } : {}),
    ...(b.maxTokens !== undefined ? { maxTokens: Math.max(1, shareCount(b.maxTokens, share)) } : {}),
  };
}
