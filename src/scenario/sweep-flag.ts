import { sweepSchema, type Scenario } from './schema.js';
import { sweepOverrideProblems, type Validation } from './validate.js';

const FLAG = /^(rate|concurrency)=([0-9.,\s]+)$/;
const EXAMPLE = 'write e.g. --sweep rate=5,10,20,40 or --sweep concurrency=1,2,4,8';

/**
 * withSweepFlag applies `run --sweep` to a validated scenario: `true` sweeps as the scenario's own
 * sweep block says; "rate=5,10,20" or "concurrency=1,2,4" sets the levels, keeping the block's SLO,
 * step duration and stopAfterKnee (or the schema's defaults). The levels pass the same rules as a
 * sweep block written in the file.
 */
export function withSweepFlag(s: Scenario, flag: true | string): Validation {
  if (flag === true) {
    if (!s.sweep) return fail(`the scenario has no sweep: block; give levels, ${EXAMPLE}`);
    return { ok: true, scenario: s };
  }
  const m = FLAG.exec(flag.trim());
  const values = m ? m[2]!.split(',').map((x) => Number(x.trim())) : [];
  if (!m || values.some((v) => !Number.isFinite(v) || v <= 0)) return fail(`${JSON.stringify(flag)} is not a sweep; ${EXAMPLE}`);
  const raw = { over: m[1], values };
  const problems = sweepOverrideProblems(s, raw);
  const parsed = sweepSchema.safeParse(raw);
  if (problems.length || !parsed.success) return { ok: false, problems: problems.map((p) => ({ path: '--sweep', message: p.message })) };
  const keep = s.sweep
    ? {
        slo: s.sweep.slo,
        stopAfterKnee: s.sweep.stopAfterKnee,
        ...(s.sweep.stepDuration !== undefined ? { stepDuration: s.sweep.stepDuration } : {}),
      }
    : {};
  return { ok: true, scenario: { ...s, sweep: { ...parsed.data, ...keep } } };
}

function fail(message: string): Validation {
  return { ok: false, problems: [{ path: '--sweep', message }] };
}
