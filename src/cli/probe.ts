import { probeTarget, type ProbeResult } from '../client/probe.js';
import { transport } from '../client/transport.js';
import { monotonicClock } from '../metrics/clock.js';
import { startMockInWorker } from '../mock/worker-host.js';
import { fitText, table } from '../report/text-table.js';
import { missingKeys, resolveEndpoints, usesMock } from '../runner/endpoints.js';
import { probeHints } from '../runner/probe-hints.js';
import { tokenizer } from '../workload/tokenizer.js';
import { ExitCode } from './exit-codes.js';
import { reportWidth, type Io } from './io.js';
import { loadInputs } from './load-inputs.js';
import { invalidInput } from './problems.js';

/**
 * probeCommand sends one small request per feature to every target of a scenario and prints what
 * works: exit 0 when every target streams and completes, 1 when any does not.
 */
export async function probeCommand(
  file: string,
  opts: { mock?: boolean; json?: boolean; timeout?: string; wide?: boolean },
  io: Io,
): Promise<ExitCode> {
  const { scenario } = await loadInputs(file);
  const keys = missingKeys(scenario, io.env, opts.mock ?? false);
  if (keys.length) throw invalidInput(file, keys);
  const timeoutMs = opts.timeout ? Number(opts.timeout) * 1000 : 30_000;
  const { endpoints, mocks } = await resolveEndpoints(scenario, io.env, startMockInWorker, opts.mock ?? false);
  const pool = transport({ connectTimeoutMs: scenario.timeouts.connect, env: io.env });
  let results: ProbeResult[];
  try {
    const clock = monotonicClock();
    const deps = { transport: pool, clock, tokenizer: tokenizer(), timeoutMs };
    // One endpoint per target, in the scenario's order: each probe names what to check in its target's terms.
    results = await Promise.all(
      endpoints.map((ep, i) => {
        const t = scenario.targets[i]!;
        return probeTarget(ep, deps, probeHints(t, usesMock(t, opts.mock ?? false), io.env));
      }),
    );
  } finally {
    await pool.close();
    await Promise.all(mocks.map((m) => m.close()));
  }
  if (opts.json) io.out(JSON.stringify(results, null, 2));
  else io.out(renderProbe(results, reportWidth(io, opts)));
  return results.every((r) => r.ok) ? ExitCode.Ok : ExitCode.RuntimeFailure;
}

/**
 * renderProbe prints the capability table and, below it, every error in full, then what to check before a run spends
 * money (credentials, path, stream shape), target by target; fitted to `width` (none: every column in full).
 */
export function renderProbe(results: readonly ProbeResult[], width?: number): string {
  const yn = (b: boolean | null) => (b === null ? '—' : b ? 'yes' : 'no');
  const header = [
    'target',
    'provider',
    'protocol',
    'models',
    'stream',
    'content',
    'usage in stream',
    'finish',
    'stream_options',
    'token limit field',
    'non-stream',
    'reasoning',
    'credentials',
    'path',
    'TTFT',
    'E2E',
  ];
  const rows = results.map((r) => [
    r.target,
    r.provider,
    r.protocol,
    modelsCell(r.models),
    r.streaming.ok ? 'yes' : 'FAIL',
    r.streaming.ok ? String(r.streaming.contentDeltas) : '—',
    yn(r.usageInStream),
    r.streaming.ok ? r.streaming.finishReason || 'none' : '—',
    r.streamOptions,
    r.tokenLimitField ?? '—',
    r.nonStreaming.ok ? 'yes' : 'FAIL',
    yn(r.reasoning),
    r.credentials === 'refused' ? 'REFUSED' : r.credentials,
    r.path === 'not found' ? 'NOT FOUND' : r.path,
    r.streaming.ttftMs === null ? '—' : `${r.streaming.ttftMs}ms`,
    r.streaming.e2eMs === null ? '—' : `${r.streaming.e2eMs}ms`,
  ]);
  const errors = results.flatMap((r) =>
    [
      r.models.error && `${r.target} models: ${r.models.error}`,
      r.streaming.error && `${r.target} stream: ${r.streaming.error}`,
      r.nonStreaming.error && `${r.target} non-stream: ${r.nonStreaming.error}`,
    ].filter(Boolean),
  );
  const advice = results.flatMap((r) => r.advice.map((a) => `${r.target} ${a}`));
  const notServed = results.some((r) => !r.models.applicable)
    ? ["models n/a: the cloud's endpoint serves no models list (not asked for, not counted against ready)"]
    : [];
  const ok = results.filter((r) => r.ok).length;
  const lines = [
    table(header, rows, 3, { width, ...PROBE_FIT }),
    ...errors,
    ...advice,
    ...notServed,
    `${ok}/${results.length} targets ready`,
  ];
  return fitText(lines.join('\n'), width);
}

// At a narrow console the probe's details drop (the highest rank first); the target and whether it streams, answers
// without streaming, takes its credentials and has its path (what makes it ready) stay.
const PROBE_FIT = {
  drop: [undefined, 9, 10, 5, undefined, 8, 4, 7, 3, 2, undefined, 6, undefined, undefined, 1, 1],
  fold: [true, true, true, true],
};

// The models column: how many the list holds (and whether the target's model is among them), n/a where not served.
function modelsCell(m: ProbeResult['models']): string {
  if (!m.applicable) return 'n/a';
  return m.ok ? `${m.count}${m.listsModel ? ' (model listed)' : ''}` : 'error';
}
