import { LiveMetrics } from '../output/live-metrics.js';
import { serveMetrics, type MetricsServer } from '../output/metrics-server.js';
import { formatDurationMs, parseDurationMs } from '../scenario/duration.js';
import type { Scenario } from '../scenario/schema.js';
import { TOOL } from '../version.js';
import { CliError, ExitCode } from './exit-codes.js';
import type { Io } from './io.js';

/** MetricsFlags are `bakeoff run`'s live-metrics options as typed on the command line. */
export interface MetricsFlagValues {
  metricsPort?: string;
  metricsHost?: string;
  metricsLinger?: string;
}

/** MetricsFlags are the live-metrics options, checked. */
export interface MetricsFlags {
  port: number;
  host: string;
  lingerMs: number;
}

/** DEFAULT_METRICS_HOST is loopback: a run's metrics are not published beyond this machine unless asked. */
export const DEFAULT_METRICS_HOST = '127.0.0.1';

/** metricsFlags checks the live-metrics flags; null without --metrics-port. Every problem is an invalid-input error naming its flag. */
export function metricsFlags(v: MetricsFlagValues): MetricsFlags | null {
  const problems: string[] = [];
  if (v.metricsPort === undefined) {
    for (const [flag, value] of [
      ['--metrics-host', v.metricsHost],
      ['--metrics-linger', v.metricsLinger],
    ] as const)
      if (value !== undefined) problems.push(`${flag} needs --metrics-port (the port to serve /metrics on; 0 picks a free one)`);
    if (problems.length) throw new CliError(ExitCode.InvalidInput, problems.join('; '));
    return null;
  }
  const port = /^\d+$/.test(v.metricsPort.trim()) ? Number(v.metricsPort) : NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    problems.push(`--metrics-port: ${JSON.stringify(v.metricsPort)} is not a port number (0–65535; 0 picks a free one)`);
  const host = v.metricsHost ?? DEFAULT_METRICS_HOST;
  if (!host.trim()) problems.push('--metrics-host: empty; give an address of this machine, e.g. 127.0.0.1');
  const lingerMs = v.metricsLinger === undefined ? 0 : parseDurationMs(v.metricsLinger);
  if (lingerMs === null) problems.push(`--metrics-linger: ${JSON.stringify(v.metricsLinger)} is not a duration; write e.g. 15s or 0s`);
  if (problems.length) throw new CliError(ExitCode.InvalidInput, problems.join('; '));
  return { port, host, lingerMs: lingerMs ?? 0 };
}

/** LiveMetricsRun is a run's live metrics and the server that exposes them. */
export interface LiveMetricsRun {
  metrics: LiveMetrics;
  server: MetricsServer;
  /** Waits, after the run, for one scrape of its final numbers (at most --metrics-linger; a signal ends the wait). */
  finalScrape(stop: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/**
 * startLiveMetrics binds the metrics port before any traffic, and prints where it listens. A
 * port in use (or an address not of this machine, or a port the OS refuses: below 1024 without the
 * privilege, which root has) is the user's to fix: a one-line invalid-input error, exit 2, and nothing is sent.
 */
export async function startLiveMetrics(flags: MetricsFlags, run: { scenario: Scenario; runId: string }, io: Io): Promise<LiveMetricsRun> {
  const metrics = new LiveMetrics({ scenario: run.scenario, runId: run.runId, tool: TOOL });
  const { port, host } = flags;
  const server = await serveMetrics(metrics, host, port).catch((err: NodeJS.ErrnoException) => {
    metrics.close();
    if (err.code === 'EADDRINUSE')
      throw new CliError(
        ExitCode.InvalidInput,
        `--metrics-port ${port}: ${host}:${port} is in use; pick another port, or --metrics-port 0 for a free one`,
      );
    if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN')
      throw new CliError(
        ExitCode.InvalidInput,
        `--metrics-host ${host}: not an address of this machine; use 127.0.0.1 (or ::1, or 0.0.0.0 for every interface)`,
      );
    if (err.code === 'EACCES')
      throw new CliError(
        ExitCode.InvalidInput,
        `--metrics-port ${port}: not allowed to listen there (ports below 1024 need privileges); pick a port above 1024, or 0`,
      );
    throw err;
  });
  io.err(`metrics: ${server.url}`);
  return {
    metrics,
    server,
    async finalScrape(stop) {
      if (flags.lingerMs <= 0) return;
      io.err(
        `metrics: serving the final numbers until the next scrape of ${server.url}, at most ` +
          `${formatDurationMs(flags.lingerMs)} (--metrics-linger)`,
      );
      const how = await server.finalScrape(flags.lingerMs, stop);
      if (how === 'timeout') io.err(`metrics: no scrape within ${formatDurationMs(flags.lingerMs)}; stopping the metrics server`);
    },
    async close() {
      await server.close();
      metrics.close();
    },
  };
}
