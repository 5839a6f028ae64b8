import type { Clock } from '../metrics/clock.js';
import type { RequestResult } from '../metrics/request-result.js';
import { ttftMs, e2eMs } from '../metrics/request-result.js';
import type { Tokenizer } from '../workload/tokenizer.js';
import { chatClient, type ChatCall, type Endpoint } from './chat-client.js';
import { describeError, oneLine } from './error-kind.js';
import { apiUrl, type Transport } from './transport.js';
import { roundTo } from '../scenario/decimals.js';

/** ProbeResult is what one small request per feature says about a target. */
export interface ProbeResult {
  target: string;
  provider: string;
  protocol: string;
  model: string;
  models: { ok: boolean; count: number; listsModel: boolean; error: string };
  streaming: { ok: boolean; ttftMs: number | null; e2eMs: number | null; error: string };
  /** Did the stream carry the server's usage? null when streaming failed. */
  usageInStream: boolean | null;
  /** Did the endpoint take stream_options.include_usage (OpenAI protocol)? */
  streamOptions: 'accepted' | 'rejected' | 'not sent';
  /** The token-limit field that worked, or null if neither did. */
  tokenLimitField: 'max_tokens' | 'max_completion_tokens' | null;
  nonStreaming: { ok: boolean; e2eMs: number | null; error: string };
  /** Reasoning deltas were streamed before content. */
  reasoning: boolean;
  ok: boolean;
}

/** ProbeDeps are the effects a probe needs. */
export interface ProbeDeps {
  transport: Transport;
  clock: Clock;
  tokenizer: Tokenizer;
  timeoutMs: number;
}

const PROMPT = 'Reply with one short sentence: what is a load test?';

/**
 * probeTarget sends a handful of small requests to learn what an endpoint supports: the models
 * list, streaming (with usage in the stream), which token-limit field it takes, stream_options,
 * and a non-streamed completion. Each failure is kept with its exact (secret-free) error text —
 * the first thing to run with new credentials.
 */
export async function probeTarget(ep: Endpoint, deps: ProbeDeps): Promise<ProbeResult> {
  const models = await probeModels(ep, deps);
  let streamOptions = ep.streamOptions ?? true;
  let field = ep.tokenLimitField ?? ep.defaultTokenLimitField ?? 'max_tokens';
  const send = (stream: boolean) =>
    chatClient(
      { ...ep, streamOptions, tokenLimitField: field },
      {
        transport: deps.transport,
        clock: deps.clock,
        tokenizer: deps.tokenizer,
        firstTokenTimeoutMs: deps.timeoutMs,
        totalTimeoutMs: deps.timeoutMs,
      },
    )(call(deps, stream));
  let r = await send(true);
  let optionsVerdict: ProbeResult['streamOptions'] = ep.protocol === 'anthropic-messages' || !streamOptions ? 'not sent' : 'accepted';
  // A 400 naming stream_options: the endpoint rejects it; retry without.
  if (r.errorKind === 'http_4xx' && /stream_options/i.test(r.errorMessage) && streamOptions) {
    streamOptions = false;
    optionsVerdict = 'rejected';
    r = await send(true);
  }
  // A 400 naming the token-limit field: try the other one.
  let fieldWorks: ProbeResult['tokenLimitField'] = r.errorKind === null ? field : null;
  if (r.errorKind === 'http_4xx' && /max_(completion_)?tokens/i.test(r.errorMessage) && ep.protocol !== 'anthropic-messages') {
    field = field === 'max_tokens' ? 'max_completion_tokens' : 'max_tokens';
    r = await send(true);
    fieldWorks = r.errorKind === null ? field : null;
  }
  const ns = await send(false);
  const streamingOk = r.errorKind === null;
  return {
    target: ep.target,
    provider: ep.provider,
    protocol: ep.protocol ?? 'openai-chat',
    model: ep.model,
    models,
    streaming: { ok: streamingOk, ttftMs: round(ttftMs(r)), e2eMs: streamingOk ? round(e2eMs(r)) : null, error: errorOf(r) },
    usageInStream: streamingOk ? r.tokenSource === 'usage' : null,
    streamOptions: optionsVerdict,
    tokenLimitField: fieldWorks,
    nonStreaming: { ok: ns.errorKind === null, e2eMs: ns.errorKind === null ? round(e2eMs(ns)) : null, error: errorOf(ns) },
    reasoning: r.reasoningDeltas > 0,
    ok: streamingOk && ns.errorKind === null,
  };
}

function call(deps: ProbeDeps, stream: boolean): ChatCall {
  return {
    id: 0,
    phase: 'measure',
    workload: 'probe',
    turn: 1,
    scheduledAtMs: deps.clock.now(),
    messages: [{ role: 'user', content: PROMPT }],
    maxTokens: 16,
    stream,
    inputTokensCounted: deps.tokenizer.count(PROMPT),
  };
}

async function probeModels(ep: Endpoint, deps: ProbeDeps): Promise<ProbeResult['models']> {
  const url = apiUrl(ep.baseUrl, '/models');
  const lease = deps.transport.lease(url.origin, ep.connection);
  try {
    const res = await lease.dispatcher.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method: 'GET',
      headers: { accept: 'application/json', 'user-agent': 'llm-bakeoff', ...ep.headers },
      signal: AbortSignal.timeout(deps.timeoutMs),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200)
      return { ok: false, count: 0, listsModel: false, error: scrub(ep, `HTTP ${res.statusCode}: ${oneLine(text, 160)}`) };
    const body = JSON.parse(text) as { data?: { id?: string }[] };
    const ids = Array.isArray(body.data) ? body.data.map((m) => m.id) : [];
    return { ok: true, count: ids.length, listsModel: ids.some((id) => id === ep.model || id === `models/${ep.model}`), error: '' };
  } catch (err) {
    return { ok: false, count: 0, listsModel: false, error: scrub(ep, describeError(err)) };
  } finally {
    lease.release();
  }
}

function errorOf(r: RequestResult): string {
  return r.errorKind === null ? '' : `${r.errorKind}: ${r.errorMessage}`;
}

function scrub(ep: Endpoint, s: string): string {
  return ep.secrets.reduce((acc, k) => (k ? acc.split(k).join('***') : acc), s);
}

// Probe times to a tenth of a millisecond; null (not measured) stays null.
function round(x: number | null): number | null {
  return x === null ? null : roundTo(x, 1);
}
