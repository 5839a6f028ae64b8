import { startMockServer } from '../mock/server.js';
import { mockProfileSchema } from '../scenario/schema.js';
import { formatPath } from '../scenario/validate.js';
import { CliError, ExitCode } from './exit-codes.js';
import type { Io } from './io.js';

export interface MockCommandOptions {
  port: string;
  host: string;
  rttMs?: string;
  ttftMs?: string;
  itlMs?: string;
  outputTokens?: string;
  seed?: string;
  slots?: string;
  capacity?: string;
  shape?: string;
  cachedPromptTokens?: string;
  fault?: string[];
  model: string[];
}

/**
 * mockCommand runs the embedded OpenAI-compatible server until SIGINT/SIGTERM. Latency flags take
 * a number of ms or a JSON distribution, e.g. --ttft-ms '{"dist":"normal","mean":200,"stddev":30}'.
 */
export async function mockCommand(opts: MockCommandOptions, io: Io, stopped: Promise<void>): Promise<ExitCode> {
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new CliError(ExitCode.InvalidInput, `--port: ${JSON.stringify(opts.port)} is not a port number (0–65535; 0 picks a free one)`);
  const raw: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [flag, key, value] of [
    ['--rtt-ms', 'rttMs', opts.rttMs],
    ['--ttft-ms', 'ttftMs', opts.ttftMs],
    ['--itl-ms', 'itlMs', opts.itlMs],
    ['--output-tokens', 'outputTokens', opts.outputTokens],
  ] as const) {
    if (value === undefined) continue;
    try {
      raw[key] = JSON.parse(value) as unknown;
    } catch {
      problems.push(`${flag}: ${JSON.stringify(value)} is neither a number nor a JSON distribution`);
    }
  }
  if (opts.seed !== undefined) raw.seed = Number(opts.seed);
  if (opts.slots !== undefined) raw.slots = Number(opts.slots);
  if (opts.capacity !== undefined) raw.capacity = Number(opts.capacity);
  if (opts.shape !== undefined || opts.cachedPromptTokens !== undefined)
    raw.quirks = {
      ...(opts.shape !== undefined ? { shape: opts.shape } : {}),
      ...(opts.cachedPromptTokens !== undefined ? { cachedPromptTokens: Number(opts.cachedPromptTokens) } : {}),
    };
  if (opts.fault?.length) {
    raw.faults = opts.fault.map((f, i) => {
      try {
        return JSON.parse(f) as unknown;
      } catch {
        problems.push(`--fault #${i + 1}: ${JSON.stringify(f)} is not JSON; write e.g. '{"kind":"http_503","from":"10s","to":"25s"}'`);
        return {};
      }
    });
  }
  const parsed = mockProfileSchema.safeParse(raw);
  if (!parsed.success) for (const i of parsed.error.issues) problems.push(`${formatPath(i.path)}: ${i.message}`);
  if (problems.length || !parsed.success) throw new CliError(ExitCode.InvalidInput, `invalid mock options:\n  ${problems.join('\n  ')}`);
  const profile = parsed.data;
  const server = await startMockServer({
    profile,
    host: opts.host,
    port,
    models: opts.model,
    ...(profile.seed !== undefined ? { seed: profile.seed } : {}),
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE')
      throw new CliError(
        ExitCode.InvalidInput,
        `--port ${port}: ${opts.host}:${port} is in use; pick another port, or --port 0 for a free one`,
      );
    if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND')
      throw new CliError(ExitCode.InvalidInput, `--host ${opts.host}: not an address of this machine; use 127.0.0.1 (or ::1)`);
    if (err.code === 'EACCES')
      throw new CliError(
        ExitCode.InvalidInput,
        `--port ${port}: not allowed to listen there (ports below 1024 need privileges); pick a port above 1024, or 0`,
      );
    throw err;
  });
  io.out(`mock OpenAI-compatible server listening on ${server.baseUrl}`);
  io.out(
    `  POST ${server.baseUrl}/chat/completions   POST ${server.baseUrl}/messages (Anthropic)   GET ` +
      `${server.baseUrl}/models   (Ctrl-C to stop)`,
  );
  // The clouds' paths start at the origin: a cloud target's baseUrl is the origin (docs/providers.md, "The embedded mock").
  const origin = new URL(server.baseUrl).origin;
  io.out(
    `  clouds at ${origin}: Azure /openai/deployments/{d}/chat/completions, /openai/v1/chat/completions, /models/chat/completions; ` +
      'Vertex /v1/projects/{p}/locations/{l}/endpoints/openapi/chat/completions, …/publishers/anthropic/models/{m}:streamRawPredict; ' +
      'Bedrock /model/{id}/converse-stream, /converse, /invoke-with-response-stream, /invoke',
  );
  await stopped;
  await server.close();
  io.err(`mock stopped after ${server.completions} completions`);
  return ExitCode.Ok;
}
