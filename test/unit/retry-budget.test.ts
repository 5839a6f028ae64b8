import { describe, expect, it } from 'vitest';
import { RetryBudget } from '../../src/failover/retry-budget.js';

// The retry budget is pure: deposits per first attempt, tryRetry with the time passed in. Each
// test asks for retries until denied (bounded) and counts what was granted.

/** drain asks for retries at `nowMs` until one is denied (at most `cap`); returns how many were granted. */
function drain(b: RetryBudget, nowMs: number, cap = 10_000): number {
  let granted = 0;
  while (granted < cap && b.tryRetry(nowMs)) granted++;
  return granted;
}

function deposits(b: RetryBudget, n: number): RetryBudget {
  for (let i = 0; i < n; i++) b.deposit();
  return b;
}

describe('RetryBudget: retries as a share of first attempts', () => {
  it.each([
    // ratio, first attempts, minPerSec, retries allowed in one second
    [0.2, 100, 0, 20],
    [0.2, 100, 5, 25],
    [0.5, 10, 0, 5],
    [1, 7, 0, 7],
    [0.25, 40, 3, 13],
    [0, 100, 0, 0],
    [0, 100, 4, 4],
  ])('ratio %d after %d first attempts, minPerSec %d → %d retries, then denied', (ratio, firsts, minPerSec, most) => {
    const b = deposits(new RetryBudget(ratio, minPerSec), firsts);
    expect(drain(b, 500)).toBe(most);
    expect(b.tryRetry(500)).toBe(false);
  });

  // The balance is kept in integer millionths: a float sum of 0.2 a hundred times is 19.99999999999996,
  // which would grant 19 retries (and 10 × 0.1 none at all).
  it.each([
    [0.2, 100, 20],
    [0.1, 10, 1],
    [0.3, 10, 3],
    [0.2, 5, 1],
  ])('ratio %d after %d first attempts earns exactly %d retries', (ratio, firsts, earned) => {
    const b = deposits(new RetryBudget(ratio, 0), firsts);
    expect(drain(b, 500)).toBe(earned);
  });

  it('interleaved: each first attempt earns a share, each retry spends a whole one', () => {
    const b = new RetryBudget(0.5, 0);
    const outcomes: boolean[] = [];
    for (let i = 0; i < 6; i++) {
      b.deposit();
      outcomes.push(b.tryRetry(100));
    }
    expect(outcomes).toEqual([false, true, false, true, false, true]);
  });

  it('the balance is capped, so a long quiet spell cannot bank a retry storm', () => {
    const b = deposits(new RetryBudget(1, 0, 50), 1_000);
    expect(drain(b, 0)).toBe(50);
  });
});

describe('RetryBudget: minPerSec', () => {
  it('allows minPerSec retries each second with nothing deposited, and resets every second', () => {
    const b = new RetryBudget(0.2, 3);
    expect(drain(b, 0)).toBe(3);
    expect(drain(b, 999)).toBe(0);
    expect(drain(b, 1_000)).toBe(3);
    expect(drain(b, 1_500)).toBe(0);
    expect(drain(b, 4_200)).toBe(3);
  });

  it('spends the earned balance before the free allowance', () => {
    const b = deposits(new RetryBudget(1, 2), 3);
    expect(drain(b, 0)).toBe(5); // 3 earned + 2 free
    b.deposit();
    expect(drain(b, 100)).toBe(1); // the free ones of second 0 are gone
    expect(drain(b, 1_000)).toBe(2); // a new second: free ones again
  });

  it('over many seconds of 100% failure, retries ≤ ratio × first attempts + minPerSec × seconds', () => {
    const ratio = 0.2;
    const minPerSec = 2;
    const b = new RetryBudget(ratio, minPerSec);
    let firsts = 0;
    let granted = 0;
    // 10 s at 50 requests a second, each wanting a retry.
    for (let k = 0; k < 500; k++) {
      const t = k * 20;
      b.deposit();
      firsts++;
      if (b.tryRetry(t)) granted++;
    }
    expect(granted).toBe(ratio * firsts + minPerSec * 10);
  });
});

describe('RetryBudget: counters', () => {
  it('counts granted retries and denials', () => {
    const b = deposits(new RetryBudget(0.5, 1), 4);
    const asked = Array.from({ length: 6 }, () => b.tryRetry(0));
    expect(asked).toEqual([true, true, true, false, false, false]);
    expect(b.retries).toBe(3);
    expect(b.denied).toBe(3);
    b.tryRetry(1_000); // a new second: one free retry
    expect(b.retries).toBe(4);
    expect(b.denied).toBe(3);
  });

  it('deposits alone change no counter', () => {
    const b = deposits(new RetryBudget(0.2, 5), 100);
    expect([b.retries, b.denied]).toEqual([0, 0]);
  });
});
