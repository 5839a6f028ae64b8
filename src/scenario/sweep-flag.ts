import { percentText } from './goodput-bounds.js';
import { sweepSchema, type Scenario } from './schema.js';
import { sweepOverrideProblems, type Validation } from './validate.js';

const FLAG = /^(rate|concurrency)=([0-9.,\s]+)$/;
const SEARCH = /^search:(rate|concurrency)=(\d+)\.\.(\d+)(?:@(.+%))?$/;
const EXAMPLE = 'write e.g. --sweep rate=5,10,20,40, --sweep concurrency=1,2,4,8, or a search: --sweep search:concurrency=1..64@95%';

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
  const search = SEARCH.exec(flag.trim());
  if (search) return withSearch(s, search);
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

// A search from the flag: its goodput share as written, else the scenario's search's, else the goodput block's attainment.
function withSearch(s: Scenario, m: RegExpExecArray): Validation {
  const goodput =
    m[4] ?? (s.sweep && 'search' in s.sweep ? percentText(s.sweep.search.goodput) : percentText(s.goodput?.attainment ?? 0.99));
  const raw = {
    search: m[1],
    from: Number(m[2]),
    to: Number(m[3]),
    goodput,
    ...(s.sweep?.stepDuration !== undefined ? { stepDuration: s.sweep.stepDuration } : {}),
  };
  if (!s.goodput && !s.workloads.some((w) => w.goodput))
    return fail(
      'a search looks for the highest level meeting the goodput: bounds, and the scenario has none; add e.g. "goodput: { ttft: 600ms }"',
    );
  const problems = sweepOverrideProblems(s, raw);
  const parsed = sweepSchema.safeParse(raw);
  if (problems.length || !parsed.success) return { ok: false, problems: problems.map((p) => ({ path: '--sweep', message: p.message })) };
  return { ok: true, scenario: { ...s, sweep: parsed.data } };
}

function fail(message: string): Validation {
  return { ok: false, problems: [{ path: '--sweep', message }] };
}
