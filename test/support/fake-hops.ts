import { resultFor, type ChatCall, type Hit } from '../../src/client/chat-client.js';
import type { Clock } from '../../src/metrics/clock.js';
import type { ErrorKind } from '../../src/scenario/error-kinds.js';
import type { AttemptResult } from '../../src/metrics/request-result.js';

/** FakeClock is a run clock that moves only when told to (or when a fake hop spends time). */
export interface FakeClock extends Clock {
  advance(ms: number): void;
  set(ms: number): void;
}

/** fakeClock starts at `startMs` and stands still between advances. */
export function fakeClock(startMs = 0): FakeClock {
  let t = startMs;
  return {
    now: () => t,
    originEpochMs: 0,
    advance: (ms) => void (t += ms),
    set: (ms) => void (t = ms),
  };
}

/** Outcome is what a fake hop does with one attempt: how long it takes, and how it ends. */
export interface Outcome {
  /** null (default): served. */
  errorKind?: ErrorKind | null;
  /** Send → end of the attempt (default 100). */
  durationMs?: number;
  /** Send → first token (default 20 when served, none when failed). */
  ttftMs?: number | null;
  /** Send → first content token (default: the first token's time); set on a failure to say content was streamed. */
  contentMs?: number | null;
  retryAfterMs?: number | null;
  status?: number;
}

/** ScriptedHop is a Hit that plays its outcomes in order (the last one repeats) and remembers its calls. */
export interface ScriptedHop {
  hit: Hit<AttemptResult>;
  calls: ChatCall[];
}

/**
 * scriptedHop makes a target's Hit from a script. Each attempt starts at `clock.now()`, spends its
 * duration on the clock if the clock can be advanced, and returns a RequestResult shaped as the
 * chat client would shape it (attempt 1, its own target, route '').
 */
export function scriptedHop(target: string, clock: Clock & { advance?: (ms: number) => void }, outcomes: readonly Outcome[]): ScriptedHop {
  const calls: ChatCall[] = [];
  const hit: Hit<AttemptResult> = async (call) => {
    const o = outcomes[Math.min(calls.length, outcomes.length - 1)] ?? {};
    calls.push(call);
    const sentAtMs = clock.now();
    const errorKind = o.errorKind ?? null;
    const durationMs = o.durationMs ?? 100;
    const ttft = o.ttftMs !== undefined ? o.ttftMs : errorKind === null ? 20 : null;
    const content = o.contentMs !== undefined ? o.contentMs : ttft;
    clock.advance?.(durationMs);
    return attemptResult(call, target, {
      sentAtMs,
      firstTokenAtMs: ttft === null ? null : sentAtMs + ttft,
      firstContentAtMs: content === null ? null : sentAtMs + content,
      endAtMs: sentAtMs + durationMs,
      errorKind,
      retryAfterMs: o.retryAfterMs ?? null,
      status:
        o.status ??
        (errorKind === null ? 200 : errorKind === 'http_429' ? 429 : errorKind === 'http_5xx' ? 503 : errorKind === 'http_4xx' ? 400 : 0),
    });
  };
  return { hit, calls };
}

/** attemptResult is a RequestResult for one attempt of `call` on `target`, with the given timings and outcome. */
export function attemptResult(call: ChatCall, target: string, over: Partial<AttemptResult>): AttemptResult {
  const ok = (over.errorKind ?? null) === null;
  return {
    ...resultFor(call, { target, region: `${target}-region`, provider: 'mock', model: 'mock-model' }),
    connection: 'reused',
    itlMs: ok ? [5, 5] : [],
    contentDeltas: ok ? 3 : 0,
    outputTokens: ok ? 3 : 0,
    tokenSource: 'usage',
    status: ok ? 200 : 0,
    errorMessage: ok ? '' : `${over.errorKind} (scripted)`,
    finishReason: ok ? 'stop' : '',
    ...over,
  };
}
