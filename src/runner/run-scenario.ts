import type { Dispatcher } from 'undici';
import { chatClient, type Hit } from '../client/chat-client.js';
import { openaiChat } from '../client/openai-chat.js';
import { transport } from '../client/transport.js';
import { runClosedLoop, type LoopStopReason, type Warmup } from '../load/closed-loop.js';
import { monotonicClock, type Clock } from '../metrics/clock.js';
import { GeneratorMonitor } from '../metrics/generator-health.js';
import { Recorder } from '../metrics/recorder.js';
import type { RequestResult } from '../metrics/request-result.js';
import type { RunSummary } from '../metrics/run-summary.js';
import { summarizeRun } from '../metrics/summarize.js';
import type { Scenario } from '../scenario/schema.js';
import { requestSource } from '../workload/request-source.js';
import { tokenizer } from '../workload/tokenizer.js';
import { resolveEndpoints, type StartMock } from './endpoints.js';
import { scenarioEcho } from './scenario-echo.js';
import { TOOL } from '../version.js';

/** RunDeps are the effects a run needs; the CLI supplies real ones, tests their own. */
export interface RunDeps {
  runId: string;
  env: Readonly<Record<string, string | undefined>>;
  startMock: StartMock;
  /** Receives every result (warmup included) as it completes, e.g. the requests.csv writer. */
  onResult?: (r: RequestResult) => void;
  /** Graceful stop (first Ctrl-C): no new requests, in-flight ones finish. */
  stop?: AbortSignal;
  /** Hard stop (second Ctrl-C): in-flight requests are aborted and recorded as `aborted`. */
  hardStop?: AbortSignal;
  clock?: Clock;
  dispatcher?: Dispatcher;
}

/**
 * runScenario runs every target of a scenario in parallel, each in its own closed loop, and
 * returns the summary. It never writes files or prints: results leave through `onResult` and
 * the returned summary.
 */
export async function runScenario(s: Scenario, deps: RunDeps): Promise<RunSummary> {
  const clock = deps.clock ?? monotonicClock();
  const stop = deps.stop ?? new AbortController().signal;
  const { endpoints, mocks } = await resolveEndpoints(s, deps.env, deps.startMock);
  const dispatcher = deps.dispatcher ?? transport({ connectTimeoutMs: s.timeouts.connect });
  const recorder = new Recorder();
  const monitor = new GeneratorMonitor();
  const tok = tokenizer(s.workload.encoding);
  let nextId = 0;
  const startedAtMs = clock.now();
  const startedAt = new Date(clock.originEpochMs + startedAtMs).toISOString();
  const warmup: Warmup | undefined = s.load.warmup;

  monitor.start();
  let reasons: LoopStopReason[];
  try {
    reasons = await Promise.all(
      s.targets.map((t, i) => {
        const ep = endpoints[i]!;
        recorder.declare(ep);
        const hit: Hit = chatClient(ep, {
          dispatcher,
          clock,
          tokenizer: tok,
          adapter: openaiChat,
          firstTokenTimeoutMs: s.timeouts.firstToken,
          totalTimeoutMs: s.timeouts.total,
          ...(deps.hardStop ? { hardStop: deps.hardStop } : {}),
        });
        const source = requestSource(s.workload, s.seed);
        return runClosedLoop({
          concurrency: t.concurrency ?? s.load.concurrency,
          ...(s.load.duration !== undefined ? { durationMs: s.load.duration } : {}),
          ...(s.load.requests !== undefined ? { requests: s.load.requests } : {}),
          ...(warmup ? { warmup } : {}),
          clock,
          stop,
          issue: async (phase, scheduledAtMs) => {
            const spec = source.next();
            const r = await hit({ id: nextId++, phase, scheduledAtMs, ...spec });
            recorder.add(r);
            deps.onResult?.(r);
          },
        });
      }),
    );
  } finally {
    await Promise.all([...mocks.map((m) => m.close()), deps.dispatcher ? Promise.resolve() : dispatcher.close()]);
  }
  const generator = monitor.stop();
  const endedAtMs = clock.now();
  const interrupted = stop.aborted || reasons.includes('interrupted');
  return summarizeRun(recorder, {
    tool: TOOL,
    runId: deps.runId,
    startedAt,
    endedAt: new Date(clock.originEpochMs + endedAtMs).toISOString(),
    durationMs: endedAtMs - startedAtMs,
    status: interrupted ? 'interrupted' : 'completed',
    stopReason: interrupted ? 'interrupted by signal' : [...new Set(reasons)].map((r) => (r === 'duration' ? 'duration reached' : 'request count reached')).join(', '),
    scenario: scenarioEcho(s),
    generator,
  });
}
