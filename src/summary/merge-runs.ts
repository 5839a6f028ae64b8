import type { ClockEstimate } from '../client/clock-probe.js';
import type { GroupCost } from '../cost/run-cost.js';
import type { FailoverSummary } from '../failover/routes.js';
import type { GeneratorHealth } from '../metrics/generator-health.js';
import { mergeGroups, type GroupPart } from '../metrics/merge-groups.js';
import { groupKey } from '../metrics/recorder.js';
import { judgingOfEcho } from '../analysis/thresholds.js';
import type { Measurement, RunGroupSummary, RunPart, RunSummary } from './run-summary.js';
import { assembleSummary } from './assemble-summary.js';
import { roundTo } from '../scenario/decimals.js';
import { shardTag, type ShardOf } from './shard-tag.js';

/** MergeInput is one part of a split run: its summary, and (a shard) the directory it came from. */
export interface MergeInput {
  summary: RunSummary;
  kind: 'shard' | 'worker';
  /** The shard's run directory as the user named it (for messages and the merged run's parts). */
  dir?: string;
  /** Worker threads: which worker (shards carry theirs in summary.shard). */
  index?: number;
  count?: number;
  /** Worker threads: the machine they ran on (shards carry theirs in summary.shard). */
  host?: string;
}

export interface MergeOptions {
  runId: string;
  tool: RunSummary['tool'];
  /** Shards whose clocks differ by more than this (ms, from their Date-header estimates) are refused. */
  maxClockSkewMs: number;
  /** Set when the parts are the worker threads of one shard (`run --shard --workers`): the merged run's `shard`. */
  shard?: ShardOf;
}

/** MergeProblem is why parts cannot be merged, in words for the user. */
export class MergeProblem extends Error {}

/**
 * DEFAULT_MAX_CLOCK_SKEW_MS: the clock difference between two shards `merge` accepts by default (NTP keeps hosts within
 * a few ms; a second means a clock is wrong).
 */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 500;

/**
 * mergeRuns adds the summaries of a split run's parts — shards run on several machines, or worker
 * threads of one process — into the summary of the whole: exact histogram sums and summed counts
 * per group (metrics/merge-groups.ts), each part's times moved onto one clock (the earliest part's
 * origin), and the verdicts (validity, decision, thresholds) judged again on the merged numbers.
 * Shards of different scenarios, repeated or foreign shard indices, and shards whose clocks
 * disagree beyond the bound are refused (MergeProblem). Each part's own generator health stays
 * in `parts`.
 */
export function mergeRuns(inputs: readonly MergeInput[], opts: MergeOptions): RunSummary {
  if (!inputs.length) throw new MergeProblem('nothing to merge: name the run directories of the shards');
  const shards = inputs[0]!.kind === 'shard';
  if (shards) checkShards(inputs);
  checkSameRun(inputs);
  const s0 = inputs[0]!.summary;
  const judging = judgingOfEcho(s0.scenario);
  if ('error' in judging)
    throw new MergeProblem(
      `${inputs[0]!.dir ?? s0.runId}: the scenario in its summary.json cannot be read (${judging.error}); ` +
        'merge the summaries bakeoff wrote',
    );
  const origins = inputs.map((p) => p.summary.clock?.originEpochMs ?? Date.parse(p.summary.startedAt));
  const origin = Math.min(...origins);
  const shifts = origins.map((o) => o - origin);
  const skew = shards ? clockSkew(inputs, opts.maxClockSkewMs) : { skewMs: null, perPart: inputs.map(() => null), notes: [] };
  const labelOf = (i: number) => partLabel(inputs[i]!);
  const starts = inputs.map((p) => Date.parse(p.summary.startedAt));
  const ends = inputs.map((p) => Date.parse(p.summary.endedAt));
  const what = shards ? `${inputs.length} shard${inputs.length === 1 ? '' : 's'}` : `${inputs.length} worker threads`;
  const abortedBy = inputs.map((p) => p.summary.thresholds?.abortedBy).find((a) => a !== undefined);
  const startedAt = new Date(Math.min(...starts)).toISOString();
  return assembleSummary(
    {
      tool: opts.tool,
      runId: opts.runId,
      startedAt,
      endedAt: new Date(Math.max(...ends)).toISOString(),
      durationMs: Math.max(...ends) - Math.min(...starts),
      status: mergedStatus(inputs.map((p) => p.summary.status)),
      stopReason: `${what} merged: ${[...new Set(inputs.map((p) => p.summary.stopReason))].join('; ')}`,
      loadModel: s0.loadModel,
      scenario: s0.scenario,
      ...judging,
      ...(abortedBy ? { abortedBy } : {}),
      ...(mergedBudget(inputs) ?? {}),
      ...(s0.pricing ? { pricing: s0.pricing } : {}),
      ...(s0.traffic ? { traffic: s0.traffic } : {}),
      ...(inputs.some((p) => p.summary.failover) ? { failover: mergedFailover(inputs, shifts, labelOf) } : {}),
      ...(inputs.some((p) => p.summary.rebuilt)
        ? { rebuilt: { from: 'requests.csv' as const, missing: [...new Set(inputs.flatMap((p) => p.summary.rebuilt?.missing ?? []))] } }
        : {}),
      // Shards ran on machines of their own clocks (compared in `merged`); worker threads on this one.
      clock: {
        originEpochMs: origin,
        offset: shards ? null : (inputs.map((p) => p.summary.clock?.offset ?? null).find((c) => c !== null) ?? null),
      },
      parts: runParts(inputs, shifts, skew.perPart),
      ...(shards
        ? {
            merged: {
              parts: inputs.length,
              clockSkewMs: skew.skewMs,
              maxClockSkewMs: opts.maxClockSkewMs,
              notes: [...skew.notes, ...missingShards(inputs)],
            },
          }
        : {}),
      histogram: s0.histogram,
      ...(opts.shard ? { shard: shardTag(opts.shard, startedAt) } : {}),
    },
    {
      groups: mergedGroups(inputs, shifts),
      validity: mergeValidity(inputs, labelOf),
      measurement: mergedMeasurement(inputs, shifts, what),
      warmupRequests: inputs.reduce((n, p) => n + p.summary.warmupRequests, 0),
      generator: mergedHealth(inputs, labelOf),
    },
  );
}

// mergedGroups adds each group's parts, in the order the parts first name them; then each agent
// region's traffic on its own.
function mergedGroups(inputs: readonly MergeInput[], shifts: readonly number[]): RunGroupSummary[] {
  const keys: string[] = [];
  const byKey = new Map<string, GroupPart[]>();
  const add = (key: string, part: GroupPart) => {
    if (!byKey.has(key)) {
      keys.push(key);
      byKey.set(key, []);
    }
    byKey.get(key)!.push(part);
  };
  inputs.forEach((p, i) => {
    for (const g of p.summary.groups) if (g.scope !== 'agent') add(g.key, { group: g, shiftMs: shifts[i]! });
  });
  inputs.forEach((p, i) => {
    const region = p.summary.shard?.agentRegion;
    if (!region) return;
    for (const g of p.summary.groups) {
      if (g.scope !== 'target' && g.scope !== 'route') continue;
      const labelled = { ...g, scope: 'agent' as const, agentRegion: region };
      add(agentKey(region, g), { group: { ...labelled, key: agentKey(region, g) }, shiftMs: shifts[i]! });
    }
  });
  return keys.map((k) => {
    const parts = byKey.get(k)!;
    const merged: RunGroupSummary = mergeGroups(parts);
    const cost = addCosts(
      parts.map((p) => (p.group as RunGroupSummary).cost),
      merged,
    );
    return cost ? { ...merged, cost } : merged;
  });
}

// runParts: one entry per part, with where its clock stood against the merged run's.
function runParts(inputs: readonly MergeInput[], shifts: readonly number[], skewMs: readonly (number | null)[]): RunPart[] {
  return inputs.map((p, i) => ({
    kind: p.kind,
    index: p.summary.shard?.index ?? p.index ?? i,
    count: p.summary.shard?.count ?? p.count ?? inputs.length,
    agentRegion: p.summary.shard?.agentRegion ?? null,
    host: p.summary.shard?.host ?? p.host ?? '',
    runId: p.summary.runId,
    ...(p.dir !== undefined ? { dir: p.dir } : {}),
    status: p.summary.status,
    startedAt: p.summary.startedAt,
    originShiftMs: roundTo(shifts[i]!, 3),
    clockOffset: p.summary.clock?.offset ?? null,
    clockSkewMs: skewMs[i] ?? null,
    requests: p.summary.groups.filter((g) => g.scope === 'target').reduce((n, g) => n + g.requests.total, 0),
    valid: p.summary.validity.valid,
    generator: p.summary.generator,
  }));
}

// mergedMeasurement: the parts' windows on the merged clock, and each part's own note.
function mergedMeasurement(inputs: readonly MergeInput[], shifts: readonly number[], what: string): Measurement {
  const latest = (f: (m: Measurement) => number | null) => {
    const xs = inputs.flatMap((p, i) => {
      const x = f(p.summary.measurement);
      return x === null ? [] : [x + shifts[i]!];
    });
    return xs.length ? roundTo(Math.max(...xs), 3) : null;
  };
  const notes = inputs.map((p) => `${partLabel(p)}: ${p.summary.measurement.note}`).join(' | ');
  return {
    scheduleEndedAtMs: latest((m) => m.scheduleEndedAtMs),
    lastEndedAtMs: latest((m) => m.lastEndedAtMs),
    conversationsCutShort: inputs.reduce((n, p) => n + p.summary.measurement.conversationsCutShort, 0),
    note: `${what} merged on one clock (the earliest part's): ${notes}`,
  };
}

// One label per part for messages: "shard 1/4 (eu-west-1)", "worker 2/2".
function partLabel(p: MergeInput): string {
  const t = p.summary.shard;
  if (t) return `shard ${t.index}/${t.count}${t.agentRegion ? ` (${t.agentRegion})` : ''}`;
  return `worker ${(p.index ?? 0) + 1}/${p.count ?? '?'}`;
}

function agentKey(region: string, g: RunGroupSummary): string {
  return `agent:${region}/${g.scope === 'route' ? 'route:' : ''}${groupKey('target', g)}`;
}

// Every shard ran with --shard, all of one split (the same n), and no index twice.
function checkShards(inputs: readonly MergeInput[]): void {
  const seen = new Map<number, string>();
  const count = inputs[0]!.summary.shard?.count;
  for (const p of inputs) {
    const t = p.summary.shard;
    const name = p.dir ?? p.summary.runId;
    if (!t)
      throw new MergeProblem(
        `${name} is not a shard (it was run without --shard); merge only the run directories of \`bakeoff run --shard i/n\``,
      );
    if (t.count !== count)
      throw new MergeProblem(
        `${name} is shard ${t.index}/${t.count}, but ${inputs[0]!.dir ?? inputs[0]!.summary.runId} is of ${count}: ` +
          'shards of one run share n; merge the shards of one split',
      );
    const other = seen.get(t.index);
    if (other !== undefined)
      throw new MergeProblem(
        `${name} and ${other} are both shard ${t.index}/${t.count}: ` +
          'overlapping indices would count the same part of the load twice; merge each shard once (was one run twice?)',
      );
    seen.set(t.index, name);
  }
}

// Parts of one run ran the same scenario (the validated echo, seed included) and no sweep.
function checkSameRun(inputs: readonly MergeInput[]): void {
  const first = inputs[0]!;
  const echo = JSON.stringify(first.summary.scenario);
  for (const p of inputs.slice(1)) {
    if (JSON.stringify(p.summary.scenario) === echo) continue;
    const a = first.summary.scenario as Record<string, unknown>;
    const b = p.summary.scenario as Record<string, unknown>;
    const fields = [...new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])].filter(
      (k) => JSON.stringify(a?.[k]) !== JSON.stringify(b?.[k]),
    );
    throw new MergeProblem(
      `${p.dir ?? p.summary.runId} ran a different scenario from ${first.dir ?? first.summary.runId} ` +
        `(they differ in ${fields.join(', ') || 'their content'}): merge only shards of one scenario, run with the same file`,
    );
  }
  if (inputs.some((p) => p.summary.sweep))
    throw new MergeProblem(
      'these are capacity sweeps: merging the levels of sweeps is not supported; ' +
        'run a sweep in one process (with --workers to use every core)',
    );
  if (inputs.some((p) => p.summary.schemaVersion !== first.summary.schemaVersion))
    throw new MergeProblem(
      'the shards were written by different versions of bakeoff (summary schema versions differ); run every shard with one version',
    );
}

// The shards' clocks against the targets' (from Date headers): each shard's difference from the
// median shard, and the widest difference, refused beyond the bound.
function clockSkew(inputs: readonly MergeInput[], maxMs: number): { skewMs: number | null; perPart: (number | null)[]; notes: string[] } {
  const offsets = inputs.map((p) => p.summary.clock?.offset ?? null);
  const known = offsets.filter((o): o is ClockEstimate => o !== null);
  const notes: string[] = [];
  if (known.length < inputs.length) {
    const missing = inputs.filter((_, i) => offsets[i] === null).map(partLabel);
    notes.push(
      `no clock estimate for ${missing.join(', ')} (no reply carried a Date header): its clock could not be checked against the others'`,
    );
  }
  if (known.length < 2) return { skewMs: null, perPart: offsets.map(() => null), notes };
  const sorted = known.map((o) => o.offsetMs).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const perPart = offsets.map((o) => (o === null ? null : roundTo(o.offsetMs - median, 1)));
  const skewMs = roundTo(sorted[sorted.length - 1]! - sorted[0]!, 1);
  // Each estimate is an interval (offset ± uncertainty): a short run's few Date headers leave it
  // wide. Only a difference the intervals cannot explain is a clock that is wrong: the smallest
  // difference any two shards' clocks can have, given their intervals, is what meets the bound.
  let surely = 0;
  for (const a of known) for (const b of known) surely = Math.max(surely, a.offsetMs - b.offsetMs - a.uncertaintyMs - b.uncertaintyMs);
  surely = roundTo(surely, 1);
  const described = inputs
    .map((p, i) => `${partLabel(p)} ${offsets[i] ? `${signed(offsets[i]!.offsetMs)} ± ${offsets[i]!.uncertaintyMs} ms` : 'unknown'}`)
    .join(', ');
  if (surely > maxMs)
    throw new MergeProblem(
      `the shards' clocks differ by ${skewMs} ms (bound ${maxMs} ms; at least ${surely} ms given each estimate's uncertainty; ` +
        `each shard's clock against its targets': ${described}): their time series and start cannot be lined up; ` +
        "sync the agents' clocks (chrony or NTP) and run again, or pass --max-clock-skew to accept it",
    );
  const wide = known.some((o) => o.uncertaintyMs * 2 > maxMs);
  notes.push(
    `clock offsets against the targets' clocks (from their Date headers): ${described}; ` +
      `widest difference ${skewMs} ms, at least ${surely} ms given the uncertainty (bound ${maxMs} ms)` +
      (wide
        ? '; an estimate wider than the bound checks little ' +
          '(few replies: a Date header names whole seconds, and the bounds narrow as replies accumulate)'
        : ''),
  );
  return { skewMs, perPart, notes };
}

// Shards of n not all present: the merge covers only part of the load, and says so.
function missingShards(inputs: readonly MergeInput[]): string[] {
  const t = inputs[0]!.summary.shard;
  if (!t) return [];
  const have = new Set(inputs.map((p) => p.summary.shard!.index));
  const missing = Array.from({ length: t.count }, (_, i) => i).filter((i) => !have.has(i));
  return missing.length
    ? [
        `shards ${missing.map((i) => `${i}/${t.count}`).join(', ')} are missing: ` +
          `the merged numbers cover ${have.size} of ${t.count} parts of the load`,
      ]
    : [];
}

// A part that stopped early makes the whole partial: the most telling reason wins.
function mergedStatus(statuses: readonly RunSummary['status'][]): RunSummary['status'] {
  for (const s of ['threshold', 'budget', 'interrupted'] as const) if (statuses.includes(s)) return s;
  return 'completed';
}

// Validity of the whole: every part's generator-side counts added; a part whose numbers were not
// its targets' makes the merged numbers not the targets' either.
function mergeValidity(inputs: readonly MergeInput[], labelOf: (i: number) => string): RunSummary['validity'] {
  const vs = inputs.map((p) => p.summary.validity);
  const byKind: Record<string, number> = {};
  for (const v of vs) for (const [k, n] of Object.entries(v.generatorErrorsByKind)) byKind[k] = (byKind[k] ?? 0) + (n ?? 0);
  const reasons = vs.flatMap((v, i) => v.reasons.map((r) => `${labelOf(i)}: ${r}`));
  return {
    valid: reasons.length === 0,
    reasons,
    arrivals: vs.reduce((n, v) => n + v.arrivals, 0),
    generatorFailed: vs.reduce((n, v) => n + v.generatorFailed, 0),
    generatorErrorsByKind: byKind,
    generatorDropped: vs.reduce((n, v) => n + v.generatorDropped, 0),
  };
}

// The generators' health as one: the worst part's figure for each (each part's own is in
// `parts`), saturated if any part was, every part's warnings under its name.
function mergedHealth(inputs: readonly MergeInput[], labelOf: (i: number) => string): GeneratorHealth {
  const hs = inputs.map((p) => p.summary.generator);
  const worst = (f: (h: GeneratorHealth) => number | null) => {
    const v = hs.map(f).filter((x) => x !== null);
    return v.length ? Math.max(...v) : null;
  };
  return {
    eventLoopDelayMs: {
      mean: worst((h) => h.eventLoopDelayMs.mean),
      p50: worst((h) => h.eventLoopDelayMs.p50),
      p99: worst((h) => h.eventLoopDelayMs.p99),
      max: worst((h) => h.eventLoopDelayMs.max),
    },
    dispatchLagMs: {
      p50: worst((h) => h.dispatchLagMs.p50),
      p99: worst((h) => h.dispatchLagMs.p99),
      max: worst((h) => h.dispatchLagMs.max),
    },
    eventLoopUtilization: worst((h) => h.eventLoopUtilization),
    cpuPercent: worst((h) => h.cpuPercent),
    saturated: hs.some((h) => h.saturated),
    warnings: hs.flatMap((h, i) => h.warnings.map((w) => `${labelOf(i)}: ${w}`)),
  };
}

// Dollars add up; the per-unit figures are taken again over the merged counts.
function addCosts(costs: readonly (GroupCost | undefined)[], g: RunGroupSummary): GroupCost | undefined {
  const cs = costs.filter((c) => c !== undefined);
  if (!cs.length) return undefined;
  const priced = cs.filter((c) => c.priced);
  if (!priced.length) return cs[0];
  const total = priced.reduce((n, c) => n + (c.totalUsd ?? 0), 0);
  const usd = (x: number) => Math.round(x * 1e6) / 1e6;
  return {
    model: priced[0]!.model,
    priced: true,
    pricePer1M: priced[0]!.pricePer1M,
    totalUsd: usd(total),
    perSuccessfulRequestUsd: g.requests.ok ? total / g.requests.ok : null,
    per1kRequestsUsd: g.requests.total ? usd((total * 1000) / g.requests.total) : null,
    per1MOutputTokensUsd: g.tokens.output ? usd((total * 1e6) / g.tokens.output) : null,
    failedUsd: usd(priced.reduce((n, c) => n + (c.failedUsd ?? 0), 0)),
  };
}

function mergedBudget(inputs: readonly MergeInput[]): { budget: NonNullable<RunSummary['budget']> } | null {
  const bs = inputs.map((p) => p.summary.budget).filter((b) => b !== undefined);
  if (!bs.length) return null;
  return {
    budget: {
      stopped: bs.some((b) => b.stopped),
      reason: [...new Set(bs.map((b) => b.reason).filter(Boolean))].join('; '),
      spentUsd: Math.round(bs.reduce((n, b) => n + b.spentUsd, 0) * 1e6) / 1e6,
      requests: bs.reduce((n, b) => n + b.requests, 0),
      tokens: bs.reduce((n, b) => n + b.tokens, 0),
    },
  };
}

// Failover: retries add up per route; every part's breaker transitions and outages, on the merged clock.
function mergedFailover(inputs: readonly MergeInput[], shifts: readonly number[], labelOf: (i: number) => string): FailoverSummary {
  const fs = inputs.map((p, i) => ({ f: p.summary.failover, shift: shifts[i]!, part: labelOf(i) })).filter((x) => x.f !== undefined);
  const routes = fs[0]!.f!.routes.map((r) => {
    const same = fs.map((x) => x.f!.routes.find((o) => o.name === r.name)).filter((o) => o !== undefined);
    const tokens = same.map((o) => o.retryTokens).filter((t) => t !== undefined);
    return {
      ...r,
      retries: same.reduce((n, o) => n + o.retries, 0),
      retriesDenied: same.reduce((n, o) => n + o.retriesDenied, 0),
      ...(tokens.length
        ? { retryTokens: { input: tokens.reduce((n, t) => n + t.input, 0), output: tokens.reduce((n, t) => n + t.output, 0) } }
        : {}),
    };
  });
  const at = (ms: number | null, shift: number) => (ms === null ? null : roundTo(ms + shift, 3));
  return {
    routes,
    breakers: fs
      .flatMap((x) => x.f!.breakers.map((b) => ({ ...b, atMs: roundTo(b.atMs + x.shift, 3), part: x.part })))
      .sort((a, b) => a.atMs - b.atMs),
    outages: fs
      .flatMap((x) =>
        x.f!.outages.map((o) => ({
          ...o,
          part: x.part,
          firstFailureMs: roundTo(o.firstFailureMs + x.shift, 3),
          lastFailureMs: roundTo(o.lastFailureMs + x.shift, 3),
          breakerOpenedMs: at(o.breakerOpenedMs, x.shift),
          recoveredAtMs: at(o.recoveredAtMs, x.shift),
        })),
      )
      .sort((a, b) => a.firstFailureMs - b.firstFailureMs),
  };
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : ''}${x}`;
}
