import type { Clock } from '../metrics/clock.js';
import type { RequestResult } from '../metrics/request-result.js';
import { ttftMs, e2eMs } from '../metrics/request-result.js';
import type { Tokenizer } from '../workload/tokenizer.js';
import { chatClient, type ChatCall, type Endpoint } from './chat-client.js';
import { describeError, oneLine } from './error-kind.js';
import { apiUrl, type Transport } from './transport.js';
import { roundTo } from '../scenario/decimals.js';
import { PRESETS, type ProviderName } from '../scenario/providers.js';
import { redactUrl } from '../scenario/secrets.js';

/** ProbeResult is what one small request per feature says about a target. */
export interface ProbeResult {
  target: string;
  provider: string;
  protocol: string;
  model: string;
  /**
   * The models list (GET <base>/models). applicable is false for a cloud preset (Azure, Vertex, Bedrock), whose endpoint
   * does not serve it: then it is not asked for, ok is false and error empty, and it counts against nothing.
   */
  models: { ok: boolean; count: number; listsModel: boolean; error: string; applicable: boolean };
  /** The streamed request: whether it worked, its content deltas and the finish reason it ended with ('' when none came). */
  streaming: {
    ok: boolean;
    ttftMs: number | null;
    e2eMs: number | null;
    error: string;
    contentDeltas: number;
    finishReason: string;
  };
  /** Did the stream carry the server's usage? null when streaming failed. */
  usageInStream: boolean | null;
  /**
   * Did the endpoint take stream_options.include_usage (OpenAI protocol)? unknown: sent, but the streamed request got no
   * 2xx answer (a refused connection, a 401, a 5xx), so nothing says either way.
   */
  streamOptions: 'accepted' | 'rejected' | 'unknown' | 'not sent';
  /** The token-limit field that worked, or null if neither did. */
  tokenLimitField: 'max_tokens' | 'max_completion_tokens' | null;
  nonStreaming: { ok: boolean; e2eMs: number | null; error: string };
  /** Reasoning deltas were streamed before content. */
  reasoning: boolean;
  /** Did the endpoint take the credentials: accepted (it answered 2xx), refused (401 or 403), unknown (neither). */
  credentials: 'accepted' | 'refused' | 'unknown';
  /** Did the endpoint serve the request's path: found (it answered 2xx), not found (404), unknown (neither). */
  path: 'found' | 'not found' | 'unknown';
  /** What to check before a run spends money, one line each (credentials, path, stream shape); empty when nothing. */
  advice: string[];
  /** The target streams and completes: ready for a run. */
  ok: boolean;
}

/**
 * ProbeHints say what a person checks when a target's endpoint refuses its credentials or does not serve its path, in
 * the target's own terms (runner/probe-hints.ts builds them from the scenario).
 */
export interface ProbeHints {
  /** Where the credentials come from: an environment variable's name, or the identity a token is fetched for. */
  credentials: string;
  /** What names the path: the deployment, model, project or region, and the endpoint. */
  path: string;
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
 * list (where the endpoint serves one), streaming (with usage in the stream), which token-limit field it takes,
 * stream_options, and a non-streamed completion. Each failure is kept with its exact (secret-free) error text, and what
 * to check before a run spends money is said in the target's terms (`hints`) — the first thing to run with new
 * credentials.
 */
export async function probeTarget(ep: Endpoint, deps: ProbeDeps, hints: ProbeHints = defaultHints(ep)): Promise<ProbeResult> {
  const models = servesModels(ep) ? await probeModels(ep, deps) : NOT_SERVED;
  const { r, streamOptions, tokenLimitField, send } = await probeStream(ep, deps);
  const ns = await send(false);
  const streamingOk = r.errorKind === null;
  const streaming = {
    ok: streamingOk,
    ttftMs: round(ttftMs(r)),
    e2eMs: streamingOk ? round(e2eMs(r)) : null,
    error: errorOf(r),
    contentDeltas: r.contentDeltas,
    finishReason: r.finishReason,
  };
  const usageInStream = streamingOk ? r.tokenSource === 'usage' : null;
  const credentials = verdict([r, ns], (s) => s === 401 || s === 403, 'refused', 'accepted');
  const path = verdict([r, ns], (s) => s === 404, 'not found', 'found');
  return {
    target: ep.target,
    provider: ep.provider,
    protocol: ep.protocol ?? 'openai-chat',
    model: ep.model,
    models,
    streaming,
    usageInStream,
    streamOptions,
    tokenLimitField,
    nonStreaming: { ok: ns.errorKind === null, e2eMs: ns.errorKind === null ? round(e2eMs(ns)) : null, error: errorOf(ns) },
    reasoning: r.reasoningDeltas > 0,
    credentials,
    path,
    advice: adviceFor({ credentials, path, streaming, usageInStream }, [r, ns], hints),
    ok: streamingOk && ns.errorKind === null,
  };
}

// probeStream sends the streamed request, retrying once without stream_options and once with the other token-limit
// field when a 400 names either; it hands back the sender, set to what worked, for the non-streamed request.
async function probeStream(ep: Endpoint, deps: ProbeDeps) {
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
  const sent = ep.protocol !== 'anthropic-messages' && streamOptions;
  let optionsVerdict: ProbeResult['streamOptions'] = sent ? 'accepted' : 'not sent';
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
  // Sent and not named in a 400: accepted only if the request carrying it was answered (2xx).
  if (optionsVerdict === 'accepted' && !(r.status >= 200 && r.status < 300)) optionsVerdict = 'unknown';
  return { r, streamOptions: optionsVerdict, tokenLimitField: fieldWorks, send };
}

// A cloud preset's endpoint (an Azure deployment path, Foundry's, Vertex's, Bedrock's runtime) serves no models list: it is
// not asked for.
function servesModels(ep: Endpoint): boolean {
  return PRESETS[ep.provider as ProviderName]?.cloud === undefined;
}

const NOT_SERVED: ProbeResult['models'] = { ok: false, count: 0, listsModel: false, error: '', applicable: false };

// verdict reads the answers' statuses: `bad` when one matched, `good` when one was a 2xx, else unknown.
function verdict<B extends string, G extends string>(
  rs: readonly RequestResult[],
  matches: (status: number) => boolean,
  bad: B,
  good: G,
): B | G | 'unknown' {
  if (rs.some((r) => matches(r.status))) return bad;
  return rs.some((r) => r.status >= 200 && r.status < 300) ? good : 'unknown';
}

// adviceFor says what to check before a run: refused credentials and a missing path by what names them, then what the
// stream lacked (usage, a finish reason) when it worked.
function adviceFor(
  p: Pick<ProbeResult, 'credentials' | 'path' | 'streaming' | 'usageInStream'>,
  rs: readonly RequestResult[],
  hints: ProbeHints,
): string[] {
  const statusOf = (matches: (s: number) => boolean) => rs.find((r) => matches(r.status))?.status;
  const out: string[] = [];
  if (p.credentials === 'refused')
    out.push(`credentials refused (HTTP ${statusOf((s) => s === 401 || s === 403)}): check ${hints.credentials}`);
  if (p.path === 'not found') out.push(`path not found (HTTP 404): check ${hints.path}`);
  if (p.streaming.ok && p.usageInStream === false)
    out.push('stream: no usage arrived; a run counts output tokens with its own tokenizer (token_source counted)');
  if (p.streaming.ok && p.streaming.finishReason === '')
    out.push('stream: no finish reason arrived; a reply cut at the token limit cannot be told from a finished one');
  return out;
}

// Hints from the endpoint alone, for a caller that has no scenario target to name.
function defaultHints(ep: Endpoint): ProbeHints {
  return {
    credentials: ep.keySource ?? 'the credentials the target sends',
    path: `the model "${ep.model}" and the URL ${redactUrl(ep.baseUrl)}`,
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
      return {
        ok: false,
        count: 0,
        listsModel: false,
        error: scrub(ep, `HTTP ${res.statusCode}: ${oneLine(text, 160)}`),
        applicable: true,
      };
    const body = JSON.parse(text) as { data?: { id?: string }[] };
    const ids = Array.isArray(body.data) ? body.data.map((m) => m.id) : [];
    const listsModel = ids.some((id) => id === ep.model || id === `models/${ep.model}`);
    return { ok: true, count: ids.length, listsModel, error: '', applicable: true };
  } catch (err) {
    return { ok: false, count: 0, listsModel: false, error: scrub(ep, describeError(err)), applicable: true };
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
