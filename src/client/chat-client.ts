import type { Clock } from '../metrics/clock.js';
import type { ErrorKind } from '../scenario/error-kinds.js';
import { newResult, type RequestPhase, type RequestResult } from '../metrics/request-result.js';
import type { EncodingName } from '../scenario/encodings.js';
import { tokenizer as tokenizerFor, type Tokenizer } from '../workload/tokenizer.js';
import { describeError, errorKindForError, errorKindForStatus, oneLine } from './error-kind.js';
import type { ChatMessage } from '../workload/chat-message.js';
import type { ProtocolAdapter, StreamState } from './protocol.js';
import { SseDecoder } from './sse.js';
import type { Lease, Transport } from './transport.js';
import type { Protocol } from '../scenario/providers.js';
import { openaiChat } from './openai-chat.js';
import { anthropicMessages } from './anthropic-messages.js';

/** Endpoint is a target resolved for sending: where, as whom, with what extras. */
export interface Endpoint {
  target: string;
  region: string;
  provider: string;
  model: string;
  /** API root, e.g. https://api.openai.com/v1 */
  baseUrl: string;
  /** Extra headers, including auth. Never logged or written to results. */
  headers: Readonly<Record<string, string>>;
  /** Extra body params merged into every request. */
  body: Readonly<Record<string, unknown>>;
  /** Secret values (API keys) to scrub from any error text before it is recorded. */
  secrets: readonly string[];
  /** Wire protocol (default openai-chat). */
  protocol?: Protocol;
  /** Ask for usage in the stream (OpenAI stream_options); default true. */
  streamOptions?: boolean;
  /** The target's own token-limit field: wins over the call's. */
  tokenLimitField?: 'max_tokens' | 'max_completion_tokens';
  /** The preset's token-limit field: used when neither target nor workload names one. */
  defaultTokenLimitField?: 'max_tokens' | 'max_completion_tokens';
}

/** ADAPTERS maps each protocol to its adapter. */
export const ADAPTERS: Record<Protocol, ProtocolAdapter> = { 'openai-chat': openaiChat, 'anthropic-messages': anthropicMessages };

/** ChatCall is one request the load model wants sent: what, when, and how it is labelled. */
export interface ChatCall {
  id: number;
  phase: RequestPhase;
  workload: string;
  turn: number;
  /** Sweep level label ('' or absent outside a sweep). */
  step?: string;
  scheduledAtMs: number;
  /** Time the call waited for an in-flight slot before it could be sent (0 if none). */
  queuedMs?: number;
  messages: readonly ChatMessage[];
  maxTokens: number;
  /** The workload's token-limit field, if it names one. */
  tokenLimitField?: 'max_tokens' | 'max_completion_tokens' | undefined;
  stream: boolean;
  /** Prompt tokens counted locally; used when the server reports no usage. */
  inputTokensCounted: number;
  /** Encoding to count output with when the server reports no usage (default: the client's tokenizer). */
  encoding?: EncodingName;
  /** Receives the reply text (multi-turn conversations carry it into the next turn). */
  onReply?: (text: string) => void;
}

/** ClientDeps are the effects a client needs, injected so tests can supply their own. */
export interface ClientDeps {
  transport: Transport;
  clock: Clock;
  tokenizer: Tokenizer;
  /** Protocol adapter; default: the one for the endpoint's protocol. */
  adapter?: ProtocolAdapter;
  firstTokenTimeoutMs: number;
  totalTimeoutMs: number;
  /** Aborts in-flight requests (a second Ctrl-C); they end as `aborted`. */
  hardStop?: AbortSignal;
}

/** Hit sends one call and always resolves — a request never throws; failure is data. */
export type Hit = (call: ChatCall) => Promise<RequestResult>;

const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** chatClient makes the Hit function for one endpoint. */
export function chatClient(endpoint: Endpoint, deps: ClientDeps): Hit {
  const adapter = deps.adapter ?? ADAPTERS[endpoint.protocol ?? 'openai-chat'];
  const base = new URL(endpoint.baseUrl.replace(/\/+$/, '') + adapter.path);
  const origin = base.origin;
  const path = base.pathname + base.search;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'text/event-stream, application/json',
    'user-agent': 'llm-bakeoff',
    ...endpoint.headers,
  };
  // One hard-stop listener per client (not per request) aborts whatever is in flight.
  const inFlight = new Set<AbortController>();
  deps.hardStop?.addEventListener('abort', () => inFlight.forEach((c) => c.abort()), { once: true });
  const scrub = (s: string) => endpoint.secrets.reduce((acc, secret) => (secret ? acc.split(secret).join('***') : acc), s);

  return async function hit(call: ChatCall): Promise<RequestResult> {
    const { clock } = deps;
    const r = newResult({
      id: call.id,
      phase: call.phase,
      target: endpoint.target,
      region: endpoint.region,
      provider: endpoint.provider,
      model: endpoint.model,
      workload: call.workload,
      turn: call.turn,
      step: call.step ?? '',
      scheduledAtMs: call.scheduledAtMs,
      queuedMs: call.queuedMs ?? 0,
      inputTokens: call.inputTokensCounted,
      requestedOutputTokens: call.maxTokens,
    });
    const state: StreamState = { finishReason: '', usage: null };
    const controller = new AbortController();
    let timedOut: 'ttft_timeout' | 'total_timeout' | null = null;
    let failure: { kind: ErrorKind; message: string } | null = null;
    let text = '';
    let reasoning = '';
    let lastDeltaAt = 0;

    const fail = (kind: ErrorKind, message: string) => {
      if (!failure) failure = { kind, message };
    };
    inFlight.add(controller);

    const body = JSON.stringify(
      adapter.buildBody({
        model: endpoint.model,
        messages: call.messages,
        maxTokens: call.maxTokens,
        tokenLimitField: endpoint.tokenLimitField ?? call.tokenLimitField ?? endpoint.defaultTokenLimitField ?? 'max_tokens',
        stream: call.stream,
        streamOptions: endpoint.streamOptions ?? true,
        extra: endpoint.body,
      }),
    );

    r.sentAtMs = clock.now();
    const totalTimer = setTimeout(() => {
      timedOut = 'total_timeout';
      controller.abort();
    }, deps.totalTimeoutMs);
    let ttftTimer: NodeJS.Timeout | undefined = setTimeout(() => {
      timedOut ??= 'ttft_timeout';
      controller.abort();
    }, deps.firstTokenTimeoutMs);
    const firstToken = (at: number) => {
      r.firstTokenAtMs = at;
      clearTimeout(ttftTimer);
      ttftTimer = undefined;
    };

    let lease: Lease | undefined;
    try {
      if (deps.hardStop?.aborted) throw new Error('run aborted before send');
      lease = deps.transport.lease(origin);
      const res = await lease.dispatcher.request({
        origin,
        path,
        method: 'POST',
        headers,
        body,
        signal: controller.signal,
      });
      r.headersAtMs = clock.now();
      r.status = res.statusCode;
      const timing = lease.takeConnectTiming();
      if (timing) {
        r.connection = 'new';
        r.dnsMs = timing.dnsMs;
        r.tcpMs = timing.tcpMs;
        r.tlsMs = timing.tlsMs;
      } else r.connection = 'reused';

      if (res.statusCode < 200 || res.statusCode >= 300) {
        r.retryAfterMs = retryAfterMs(res.headers);
        const errText = await readCapped(res.body, MAX_ERROR_BODY_BYTES);
        fail(errorKindForStatus(res.statusCode), `HTTP ${res.statusCode}: ${oneLine(adapter.errorMessage(errText) || '(empty body)')}`);
      } else if (call.stream) {
        const decoder = new SseDecoder();
        let done = false;
        const onEvents = (events: ReturnType<SseDecoder['push']>, at: number) => {
          for (const ev of events) {
            const step = adapter.onEvent(ev, state);
            if (step.type === 'content' || step.type === 'reasoning') {
              // TTFT and ITL count every token, reasoning included; TTFC waits for content.
              if (r.firstTokenAtMs === null) firstToken(at);
              else r.itlMs.push(at - lastDeltaAt);
              lastDeltaAt = at;
              if (step.type === 'content') {
                r.firstContentAtMs ??= at;
                r.contentDeltas++;
                text += step.text;
              } else {
                r.reasoningDeltas++;
                reasoning += step.text;
              }
            } else if (step.type === 'done') {
              done = true;
            } else if (step.type === 'error') {
              fail(step.kind, step.message);
              return false;
            }
          }
          return true;
        };
        for await (const bytes of res.body) {
          if (!onEvents(decoder.push(bytes as Uint8Array), clock.now())) {
            controller.abort();
            break;
          }
        }
        if (!failure) onEvents(decoder.end(), clock.now());
        if (!failure && !done && !state.finishReason) fail('bad_stream', 'stream ended without finish_reason or [DONE]');
      } else {
        const raw = await res.body.text();
        const at = clock.now();
        let parsed: unknown;
        try {
          parsed = JSON.parse(raw);
        } catch {
          fail('bad_stream', `response is not JSON: ${oneLine(raw, 80)}`);
        }
        if (!failure) {
          const out = adapter.parseCompletion(parsed, state);
          if ('error' in out) fail('stream_error', out.error);
          else {
            text = out.text;
            // Non-streamed: the first token is only seen when the whole body is (TTFT = E2E).
            if (text.length > 0) {
              firstToken(at);
              r.firstContentAtMs = at;
              r.contentDeltas = 1;
            }
          }
        }
      }
    } catch (err) {
      if (timedOut) fail(timedOut, timedOut === 'ttft_timeout' ? `no first token within ${deps.firstTokenTimeoutMs}ms` : `request exceeded ${deps.totalTimeoutMs}ms`);
      else if (deps.hardStop?.aborted) fail('aborted', 'run interrupted while the request was in flight');
      else fail(errorKindForError(err), describeError(err));
    } finally {
      r.endAtMs = clock.now();
      lease?.release();
      clearTimeout(totalTimer);
      if (ttftTimer) clearTimeout(ttftTimer);
      inFlight.delete(controller);
    }

    if (!failure && r.firstContentAtMs === null)
      fail('empty_response', r.reasoningDeltas ? 'completed with reasoning but no content token' : 'completed without any content token');
    r.finishReason = state.finishReason;
    const tok = call.encoding ? tokenizerFor(call.encoding) : deps.tokenizer;
    call.onReply?.(text);
    if (state.usage) {
      r.inputTokens = state.usage.inputTokens;
      r.outputTokens = state.usage.outputTokens;
      r.cachedInputTokens = state.usage.cachedInputTokens ?? 0;
      r.tokenSource = 'usage';
      // Count locally too, so the report can show how far the server's count and ours disagree.
      // Reasoning tokens are output tokens too (servers bill and count them so).
      if (!failure) r.outputTokensCounted = tok.count(text) + tok.count(reasoning);
    } else {
      r.outputTokens = tok.count(text) + tok.count(reasoning);
    }
    if (failure) {
      const f = failure as { kind: ErrorKind; message: string };
      r.errorKind = f.kind;
      r.errorMessage = scrub(f.message);
    }
    return r;
  };
}

/** retryAfterMs reads retry-after-ms or Retry-After (seconds, or an HTTP date) from response headers. */
export function retryAfterMs(headers: Record<string, string | string[] | undefined>): number | null {
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const ms = Number(one(headers['retry-after-ms']));
  if (one(headers['retry-after-ms']) !== undefined && Number.isFinite(ms)) return Math.max(0, ms);
  const ra = one(headers['retry-after']);
  if (ra === undefined) return null;
  const secs = Number(ra);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(ra);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

async function readCapped(body: AsyncIterable<unknown>, max: number): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const b of body) {
    const buf = b as Buffer;
    if (size < max) parts.push(buf.subarray(0, max - size));
    size += buf.length;
  }
  return Buffer.concat(parts).toString('utf8');
}
