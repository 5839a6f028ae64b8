import { probeTarget, type ProbeResult } from '../client/probe.js';
import { transport } from '../client/transport.js';
import { monotonicClock } from '../metrics/clock.js';
import { startMockInWorker } from '../mock/worker-host.js';
import { table } from '../report/text-table.js';
import { missingKeys, resolveEndpoints } from '../runner/endpoints.js';
import { tokenizer } from '../workload/tokenizer.js';
import { ExitCode } from './exit-codes.js';
import type { Io } from './io.js';
import { loadInputs } from './load-inputs.js';
import { invalidInput } from './problems.js';

/**
 * probeCommand sends one small request per feature to every target of a scenario and prints what
 * works: exit 0 when every target streams and completes, 1 when any does not.
 */
export async function probeCommand(file: string, opts: { mock?: boolean; json?: boolean; timeout?: string }, io: Io): Promise<ExitCode> {
  const { scenario } = await loadInputs(file);
  const keys = missingKeys(scenario, io.env, opts.mock ?? false);
  if (keys.length) throw invalidInput(file, keys);
  const timeoutMs = opts.timeout ? Number(opts.timeout) * 1000 : 30_000;
  const { endpoints, mocks } = await resolveEndpoints(scenario, io.env, startMockInWorker, opts.mock ?? false);
  const pool = transport({ connectTimeoutMs: scenario.timeouts.connect, env: io.env });
  let results: ProbeResult[];
  try {
    const clock = monotonicClock();
    results = await Promise.all(endpoints.map((ep) => probeTarget(ep, { transport: pool, clock, tokenizer: tokenizer(), timeoutMs })));
  } finally {
    await pool.close();
    await Promise.all(mocks.map((m) => m.close()));
  }
  if (opts.json) io.out(JSON.stringify(results, null, 2));
  else io.out(renderProbe(results));
  return results.every((r) => r.ok) ? ExitCode.Ok : ExitCode.RuntimeFailure;
}

/** renderProbe prints the capability table and, below it, every error in full. */
export function renderProbe(results: readonly ProbeResult[]): string {
  const yn = (b: boolean | null) => (b === null ? '—' : b ? 'yes' : 'no');
  const header = [
    'target',
    'provider',
    'protocol',
    'models',
    'stream',
    'usage in stream',
    'stream_options',
    'token limit field',
    'non-stream',
    'reasoning',
    'TTFT',
    'E2E',
  ];
  const rows = results.map((r) => [
    r.target,
    r.provider,
    r.protocol,
    r.models.ok ? `${r.models.count}${r.models.listsModel ? ' (model listed)' : ''}` : 'error',
    r.streaming.ok ? 'yes' : 'FAIL',
    yn(r.usageInStream),
    r.streamOptions,
    r.tokenLimitField ?? '—',
    r.nonStreaming.ok ? 'yes' : 'FAIL',
    yn(r.reasoning),
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
  const ok = results.filter((r) => r.ok).length;
  return [table(header, rows, 3), ...errors, `${ok}/${results.length} targets ready`].join('\n');
}
