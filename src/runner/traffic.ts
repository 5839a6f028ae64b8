import type { Issue } from '../load/arrival.js';
import type { DropReason, RequestPhase } from '../metrics/request-result.js';
import { routeLabels } from '../metrics/recorder.js';
import { assembleRoutes, type FailoverSummary } from '../failover/routes.js';
import { deriveSeed, prng } from '../random/prng.js';
import type { Load } from '../scenario/schema.js';
import type { RunSummary } from '../summary/run-summary.js';
import { weightedPicker } from '../workload/mix.js';
import { runConversation } from './conversation.js';
import type { RunContext } from './run-context.js';
import { budgeted, recorded } from './send.js';

/** TrafficStream is one load loop's worth of traffic: who it sends to, with what concurrency, and where its dropped arrivals are counted. */
export interface TrafficStream {
  /** Closed-loop users for this stream (undefined: the load block's). */
  concurrency: number | undefined;
  issue: Issue;
  onDropped: (phase: RequestPhase, scheduledAtMs: number, reason: DropReason) => void;
  /** File descriptors one in-flight request of this stream holds: 2 when it may go to an embedded mock in this process. */
  descriptorsPerRequest: number;
}

/**
 * Traffic is how a scenario's load reaches its targets — one of three strategies with one
 * interface: paired (every target gets the full load and the same prompts), routed (one stream
 * split by weight), or failover (the load drives routes that try their chains of targets).
 */
export interface Traffic {
  /** The streams of one pass at a load level (a sweep makes one pass per level). */
  streams(load: Load, step: string, sweepValue: number | null): TrafficStream[];
  /** How traffic reached the targets, for summary.json. */
  readonly note: NonNullable<RunSummary['traffic']>;
  /** The failover section of summary.json (failover traffic only). */
  failover?(): FailoverSummary;
  /** Stops what the strategy started (health probes, route pools). */
  close(): Promise<void>;
}

/** trafficFor picks the strategy a scenario describes. */
export function trafficFor(run: RunContext): Traffic {
  const s = run.scenario;
  if (s.failover?.length) return failoverTraffic(run);
  if (s.routing) return routedTraffic(run);
  return pairedTraffic(run);
}

// A stream's send: budget-checked at `model`'s price, every result recorded.
function sendVia(run: RunContext, i: number) {
  return recorded(
    budgeted(run.hits[i]!, run.guard, run.scenario.targets[i]!.model, () => run.budgetStop.abort()),
    (r) => run.sink(r),
  );
}

/** pairedTraffic gives every target the full load; target n's k-th conversation is every other target's k-th, so comparisons are paired. */
export function pairedTraffic(run: RunContext): Traffic {
  const s = run.scenario;
  const sends = s.targets.map((_, i) => sendVia(run, i));
  return {
    note: pairedNote(s.seed),
    streams: (load, step, sweepValue) =>
      s.targets.map((t, i) => {
        const source = run.sourceFor();
        let seq = 0;
        return {
          concurrency: s.sweep?.over === 'concurrency' && sweepValue !== null ? sweepValue : (t.concurrency ?? load.concurrency),
          issue: (a) => runConversation(run, sends[i]!, a, source.at(seq++), step),
          onDropped: (phase, scheduledAtMs, reason) => {
            seq++; // the dropped arrival's conversation is skipped, keeping targets paired
            run.recorder.addDropped('target', { ...run.endpoints[i]!, step }, phase, scheduledAtMs, reason);
          },
          descriptorsPerRequest: run.localMock[i] ? 2 : 1,
        };
      }),
    close: async () => undefined,
  };
}

/** routedTraffic splits one stream across targets by weight: arrival n goes where the seeded draw for n says. */
export function routedTraffic(run: RunContext): Traffic {
  const s = run.scenario;
  const routing = s.routing!;
  const sends = s.targets.map((_, i) => sendVia(run, i));
  const targetOf = routing.map((r) => s.targets.findIndex((t) => t.name === r.target));
  const pick = weightedPicker(routing.map((r) => r.weight));
  const routeSeed = deriveSeed(s.seed, 'routing');
  const route = (seq: number) => targetOf[pick(prng(deriveSeed(routeSeed, String(seq))))]!;
  return {
    note: {
      mode: 'routed',
      seed: s.seed,
      note: `routed: one traffic stream split across targets by weight (${routing.map((r) => `${r.target} ${r.weight}`).join(', ')}); each request went to one target, so targets are not paired.`,
    },
    streams: (load, step, sweepValue) => {
      const source = run.sourceFor();
      let seq = 0;
      return [
        {
          concurrency: sweepValue ?? load.concurrency,
          issue: (a) => {
            const n = seq++;
            return runConversation(run, sends[route(n)]!, a, source.at(n), step);
          },
          onDropped: (phase, scheduledAtMs, reason) => run.recorder.addDropped('target', { ...run.endpoints[route(seq++)]!, step }, phase, scheduledAtMs, reason),
          descriptorsPerRequest: run.localMock.some(Boolean) ? 2 : 1,
        },
      ];
    },
    close: async () => undefined,
  };
}

/**
 * failoverTraffic drives the scenario's failover routes, each with the full load (paired): a
 * route's user-level outcome is recorded on the route's group, each attempt on its target's. An
 * arrival dropped at maxInFlight is the route's, and counted there.
 */
export function failoverTraffic(run: RunContext): Traffic {
  const s = run.scenario;
  const drill = assembleRoutes(s, run.endpoints, {
    pool: run.pool,
    clock: run.clock,
    tokenizer: run.tokenizer,
    stop: run.stop,
    ...(run.deps.hardStop ? { hardStop: run.deps.hardStop } : {}),
    ...(run.deps.pricing ? { pricing: run.deps.pricing } : {}),
    nextId: run.nextId,
    onAttempt: (r) => run.sink(r),
  });
  // A routed request reserves its worst case at the chain's most expensive model.
  const sends = drill.routes.map((rs) => recorded(budgeted(rs.hit, run.guard, rs.reserveModel, () => run.budgetStop.abort()), (r) => run.sink(r)));
  return {
    note: {
      mode: 'paired',
      seed: s.seed,
      note: `failover: every route received the full load and the same sequence of prompts (seed ${s.seed}); each target received only the attempts its routes sent it, so targets' own numbers are not paired.`,
    },
    streams: (load, step) =>
      drill.routes.map((rs, i) => {
        run.recorder.declareRoute(rs.route.name, step);
        const source = run.sourceFor();
        let seq = 0;
        return {
          concurrency: load.concurrency,
          issue: (a) => runConversation(run, sends[i]!, a, source.at(seq++), step),
          onDropped: (phase, scheduledAtMs, reason) => {
            seq++;
            run.recorder.addDropped('route', routeLabels(rs.route.name, step), phase, scheduledAtMs, reason);
          },
          descriptorsPerRequest: rs.route.chain.some((t) => run.localMock[s.targets.findIndex((x) => x.name === t)]) ? 2 : 1,
        };
      }),
    failover: () => drill.summary(),
    close: () => drill.close(),
  };
}

// Paired traffic says so in the summary: differences between targets are theirs, not the traffic's.
function pairedNote(seed: number): Traffic['note'] {
  return {
    mode: 'paired',
    seed,
    note: `paired: every target received the full load and the same sequence of prompts (seed ${seed}), so differences are the targets', not the traffic's.`,
  };
}
