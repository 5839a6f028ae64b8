import type { Arrival, Gate, GateClosed, IssueOutcome } from '../load/arrival.js';
import type { BackoffReason, DropReason, RequestPhase } from '../metrics/request-result.js';
import { routeLabels, targetLabels, type GroupLabels } from '../metrics/recorder.js';
import { assembleRoutes, type FailoverSummary } from '../failover/routes.js';
import { deriveSeed, prng } from '../random/prng.js';
import { BACKOFF_KINDS } from '../scenario/error-kinds.js';
import type { Load } from '../scenario/schema.js';
import type { RunSummary } from '../summary/run-summary.js';
import { weightedPicker } from '../workload/mix.js';
import type { Conversation } from '../workload/request-source.js';
import { runConversation } from './conversation.js';
import type { RunContext, RunTarget } from './run-context.js';
import { budgeted, recorded, type Send } from './send.js';
import { TargetGate } from './target-gate.js';

/** PassScope is what every stream of one pass shares: the load model, and the signal that its time is up. */
export interface PassScope {
  /** An open loop drops arrivals while a target's gate is closed; closed-loop users wait for it. */
  openLoop: boolean;
  /** Aborted when the load's time is up: no conversation starts a new turn after it. */
  ended: AbortSignal;
}

/** TrafficStream is one load loop's worth of traffic: who it sends to, how, and where what it could not send is counted. */
export interface TrafficStream {
  /** Closed-loop users for this stream (undefined: the load block's). */
  concurrency: number | undefined;
  issue: (a: Arrival) => Promise<IssueOutcome>;
  onDropped: (phase: RequestPhase, scheduledAtMs: number, reason: DropReason) => void;
  /** Whether the stream's next arrival may be sent now: its target's gate. */
  gate: Gate;
  /** Counts a closed-loop user's wait on the target it waited for. */
  onBackoff: (reason: BackoffReason, ms: number, key?: number) => void;
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
  streams(load: Load, step: string, sweepValue: number | null, pass: PassScope): TrafficStream[];
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

// A stream's send: budget-checked at its target's price, every result recorded.
function sendVia(run: RunContext, t: RunTarget): Send {
  return recorded(
    budgeted(t.hit, run.guard, t.spec.model, () => run.budgetStop.abort()),
    (r) => run.sink(r),
  );
}

// converse sends one arrival's conversation, counts it where it belongs if the load's time cut it
// short, and tells a closed-loop user whether the target asked it to back off.
async function converse(
  run: RunContext,
  send: Send,
  a: Arrival,
  conv: Conversation,
  step: string,
  pass: PassScope,
  where: GroupScopeLabels,
  gate: TargetGate,
  key?: number,
): Promise<IssueOutcome> {
  const end = await runConversation(run, send, a, conv, step, pass.ended);
  if (end.how === 'cut_short') run.recorder.addCutShort(where.scope, where.labels);
  // A Retry-After the gate honours says exactly how long to wait (the gate holds the user for
  // it); any other such failure gets the user's own exponential backoff.
  const last = end.last;
  const backOff = last !== null && last.errorKind !== null && BACKOFF_KINDS.has(last.errorKind) && !gate.honours(last);
  return key === undefined ? { backOff } : { backOff, key };
}

interface GroupScopeLabels {
  scope: 'target' | 'route';
  labels: GroupLabels;
}

// A routed stream whose every target is stopped.
const STOPPED_STREAM: GateClosed = { untilMs: Infinity, reason: 'target_stopped' };

// The gate a load loop consults: an open loop drops while it is closed for any reason; a
// closed-loop user waits only for a Retry-After (it backs off from errors by itself).
function gateOf(g: TargetGate, pass: PassScope, key?: number): Gate {
  return (now) => {
    const closed = pass.openLoop ? g.closedAt(now) : g.rateLimitedAt(now);
    return closed && key !== undefined ? { ...closed, key } : closed;
  };
}

/** pairedTraffic gives every target the full load; target n's k-th conversation is every other target's k-th, so comparisons are paired. */
export function pairedTraffic(run: RunContext): Traffic {
  const s = run.scenario;
  const sends = run.targets.map((t) => sendVia(run, t));
  return {
    note: pairedNote(s.seed),
    streams: (load, step, sweepValue, pass) =>
      run.targets.map((t, i) => {
        const source = run.sourceFor();
        const where: GroupScopeLabels = { scope: 'target', labels: targetLabels(t.endpoint, step) };
        let seq = 0;
        return {
          concurrency: s.sweep?.over === 'concurrency' && sweepValue !== null ? sweepValue : (t.spec.concurrency ?? load.concurrency),
          issue: (a) => converse(run, sends[i]!, a, source.at(run.arrival(seq++)), step, pass, where, t.gate),
          onDropped: (phase, scheduledAtMs, reason) => {
            seq++; // the dropped arrival's conversation is skipped, keeping targets paired
            run.dropped({ scope: 'target', labels: where.labels, phase, scheduledAtMs, reason });
          },
          gate: gateOf(t.gate, pass),
          onBackoff: (reason, ms) => run.recorder.addBackoff('target', where.labels, reason, ms),
          descriptorsPerRequest: t.localMock ? 2 : 1,
        };
      }),
    close: async () => undefined,
  };
}

/** routedTraffic splits one stream across targets by weight: arrival n goes where the seeded draw for n says. */
export function routedTraffic(run: RunContext): Traffic {
  const s = run.scenario;
  const routing = s.routing!;
  const targetOf = routing.map((r) => run.target(r.target));
  const sends = new Map(targetOf.map((t) => [t, sendVia(run, t)]));
  const pick = weightedPicker(routing.map((r) => r.weight));
  const routeSeed = deriveSeed(s.seed, 'routing');
  const route = (seq: number) => pick(prng(deriveSeed(routeSeed, String(run.arrival(seq)))));
  return {
    note: {
      mode: 'routed',
      seed: s.seed,
      note:
        `routed: one traffic stream split across targets by weight (${routing.map((r) => `${r.target} ${r.weight}`).join(', ')}); ` +
        'each request went to one target, so targets are not paired.',
    },
    streams: (load, step, sweepValue, pass) => {
      const source = run.sourceFor();
      // A closed-loop user's wait is keyed by the routing entry it waited for.
      const at = (k: number): GroupScopeLabels => ({ scope: 'target', labels: targetLabels(targetOf[k]!.endpoint, step) });
      const gates = targetOf.map((t, k) => gateOf(t.gate, pass, k));
      let seq = 0;
      // A closed-loop user skips a stopped target's arrivals (issue drops them) unless every target is stopped: then
      // the stream is over. An open loop drops them at the gate.
      const gate: Gate = (now) => {
        if (targetOf.every((t) => t.gate.stopped)) return STOPPED_STREAM;
        const closed = gates[route(seq)]!(now);
        return closed?.reason === 'target_stopped' && !pass.openLoop ? null : closed;
      };
      return [
        {
          concurrency: sweepValue ?? load.concurrency,
          issue: (a) => {
            const n = seq++;
            const k = route(n);
            const t = targetOf[k]!;
            if (t.gate.stopped) {
              run.dropped({
                scope: 'target',
                labels: at(k).labels,
                phase: a.phase,
                scheduledAtMs: a.scheduledAtMs,
                reason: 'target_stopped',
              });
              return Promise.resolve({ backOff: false, key: k });
            }
            return converse(run, sends.get(t)!, a, source.at(run.arrival(n)), step, pass, at(k), t.gate, k);
          },
          onDropped: (phase, scheduledAtMs, reason) =>
            run.dropped({ scope: 'target', labels: at(route(seq++)).labels, phase, scheduledAtMs, reason }),
          // The next arrival's target is known before it is sent (arrival n goes where draw n says): its gate decides.
          gate,
          onBackoff: (reason, ms, key) => run.recorder.addBackoff('target', at(key ?? route(seq)).labels, reason, ms),
          descriptorsPerRequest: run.targets.some((t) => t.localMock) ? 2 : 1,
        },
      ];
    },
    close: async () => undefined,
  };
}

/**
 * failoverTraffic drives the scenario's failover routes, each with the full load (paired): a
 * route's user-level outcome is recorded on the route's group, each attempt on its target's. An
 * arrival dropped at maxInFlight is the route's, and counted there. A route honours each hop's
 * Retry-After itself; its own gate only closes when its outcomes fail in a row (no hop left).
 */
export function failoverTraffic(run: RunContext): Traffic {
  const s = run.scenario;
  const drill = assembleRoutes(s, (name) => run.target(name).endpoint, {
    pool: run.pool,
    env: run.deps.env,
    clock: run.clock,
    tokenizer: run.tokenizer,
    stop: run.stop,
    ...(run.deps.hardStop ? { hardStop: run.deps.hardStop } : {}),
    ...(run.deps.pricing ? { pricing: run.deps.pricing } : {}),
    nextId: run.nextId,
    clientRequestIdPrefix: run.deps.runId,
    ...(run.inFlight ? { onInFlight: run.inFlight } : {}),
    ...(run.firstToken ? { onFirstToken: run.firstToken } : {}),
    onAttempt: (r) => run.sink(r),
    // A hop whose target was stopped for refusing everything is unavailable for the rest of the run.
    isStopped: (target) => run.target(target).gate.stopped !== null,
  });
  // A route is never stopped for refusals itself: its targets are (their hops then unavailable), by their own gates.
  const routeGates = drill.routes.map(() => new TargetGate({ ...run.gatePolicy, maxRetryAfterMs: 0, stopAfterRefusals: 0 }));
  // A routed request reserves its worst case at the chain's most expensive model.
  const sends = drill.routes.map((rs, i) =>
    recorded(
      budgeted(rs.hit, run.guard, rs.reserveModel, () => run.budgetStop.abort()),
      (r) => {
        run.sink(r);
        routeGates[i]!.observe(r);
      },
    ),
  );
  return {
    note: {
      mode: 'paired',
      seed: s.seed,
      note:
        `failover: every route received the full load and the same sequence of prompts (seed ${s.seed}); ` +
        "each target received only the attempts its routes sent it, so targets' own numbers are not paired.",
    },
    streams: (load, step, _, pass) =>
      drill.routes.map((rs, i) => {
        run.recorder.declareRoute(rs.route.name, step);
        const source = run.sourceFor();
        const where: GroupScopeLabels = { scope: 'route', labels: routeLabels(rs.route.name, step) };
        let seq = 0;
        return {
          concurrency: load.concurrency,
          issue: (a) => converse(run, sends[i]!, a, source.at(run.arrival(seq++)), step, pass, where, routeGates[i]!),
          onDropped: (phase, scheduledAtMs, reason) => {
            seq++;
            run.dropped({ scope: 'route', labels: where.labels, phase, scheduledAtMs, reason });
          },
          gate: gateOf(routeGates[i]!, pass),
          onBackoff: (reason, ms) => run.recorder.addBackoff('route', where.labels, reason, ms),
          descriptorsPerRequest: rs.route.chain.some((name) => run.target(name).localMock) ? 2 : 1,
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
    note:
      `paired: every target received the full load and the same sequence of prompts (seed ${seed}), ` +
      "so differences are the targets', not the traffic's.",
  };
}
