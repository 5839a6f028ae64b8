import type { Clock } from '../metrics/clock.js';
import type { RequestResult } from '../metrics/request-result.js';
import type { ErrorKind } from '../scenario/error-kinds.js';
import type { Tokenizer } from '../workload/tokenizer.js';
import { oneLine } from './error-kind.js';
import type { ProtocolAdapter, StreamState } from './protocol.js';
import { SseDecoder } from './sse.js';

/**
 * Exchange is one request's state while its response is read: the result being filled in, what
 * the protocol adapter learnt (finish reason, usage), the text received, and the first failure.
 * Later failures never replace the first: it is the cause, the rest are consequences.
 */
export class Exchange {
  readonly state: StreamState = { finishReason: '', usage: null };
  text = '';
  reasoning = '';
  failure: { kind: ErrorKind; message: string } | null = null;

  constructor(readonly r: RequestResult) {}

  fail(kind: ErrorKind, message: string): void {
    this.failure ??= { kind, message };
  }
}

/**
 * readStream reads an SSE body into the exchange as it arrives: TTFT at the first token
 * (reasoning or content), the gaps between tokens as ITL, TTFC at the first content token, and
 * the text. `onFirstToken` clears the first-token deadline; `abort` ends the request on an error
 * event. A stream that ends without a finish reason or [DONE] was cut short.
 */
export async function readStream(
  body: AsyncIterable<unknown>,
  adapter: ProtocolAdapter,
  x: Exchange,
  clock: Clock,
  onFirstToken: () => void,
  abort: () => void,
): Promise<void> {
  const { r, state } = x;
  const decoder = new SseDecoder();
  let done = false;
  let lastDeltaAt = 0;
  const onEvents = (events: ReturnType<SseDecoder['push']>, at: number) => {
    for (const ev of events) {
      const step = adapter.onEvent(ev, state);
      if (step.type === 'content' || step.type === 'reasoning') {
        // TTFT and ITL count every token, reasoning included; TTFC waits for content.
        if (r.firstTokenAtMs === null) {
          r.firstTokenAtMs = at;
          onFirstToken();
        } else r.itlMs.push(at - lastDeltaAt);
        lastDeltaAt = at;
        if (step.type === 'content') {
          r.firstContentAtMs ??= at;
          r.contentDeltas++;
          x.text += step.text;
        } else {
          r.reasoningDeltas++;
          x.reasoning += step.text;
        }
      } else if (step.type === 'done') {
        done = true;
      } else if (step.type === 'error') {
        x.fail(step.kind, step.message);
        return false;
      }
    }
    return true;
  };
  for await (const bytes of body) {
    if (!onEvents(decoder.push(bytes as Uint8Array), clock.now())) {
      abort();
      break;
    }
  }
  if (!x.failure) onEvents(decoder.end(), clock.now());
  if (!x.failure && !done && !state.finishReason) x.fail('bad_stream', 'stream ended without finish_reason or [DONE]');
}

/**
 * readCompletion reads a whole non-streamed body. Its first token is seen only when the whole
 * body is, so TTFT = E2E for a non-streamed request.
 */
export async function readCompletion(body: { text(): Promise<string> }, adapter: ProtocolAdapter, x: Exchange, clock: Clock, onFirstToken: () => void): Promise<void> {
  const raw = await body.text();
  const at = clock.now();
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    x.fail('bad_stream', `response is not JSON: ${oneLine(raw, 80)}`);
    return;
  }
  const out = adapter.parseCompletion(parsed, x.state);
  if ('error' in out) {
    x.fail('stream_error', out.error);
    return;
  }
  x.text = out.text;
  if (x.text.length > 0) {
    x.r.firstTokenAtMs = at;
    onFirstToken();
    x.r.firstContentAtMs = at;
    x.r.contentDeltas = 1;
  }
}

/**
 * settleTokens fills in the result's finish reason and token counts once the response is over:
 * the server's usage when it sent one (and, for a successful reply, our own count of the text
 * beside it, so the report can show how far they disagree), else our tokenizer's count. Reasoning
 * tokens are output tokens too: servers bill and count them so. A reply without a content token
 * is an empty_response.
 */
export function settleTokens(x: Exchange, tok: Tokenizer): void {
  const { r, state } = x;
  if (!x.failure && r.firstContentAtMs === null) x.fail('empty_response', r.reasoningDeltas ? 'completed with reasoning but no content token' : 'completed without any content token');
  r.finishReason = state.finishReason;
  if (state.usage) {
    r.inputTokens = state.usage.inputTokens;
    r.outputTokens = state.usage.outputTokens;
    r.cachedInputTokens = state.usage.cachedInputTokens ?? 0;
    r.cacheWriteInputTokens = state.usage.cacheWriteInputTokens ?? 0;
    r.cacheWrite1hInputTokens = state.usage.cacheWrite1hInputTokens ?? 0;
    r.tokenSource = 'usage';
    if (!x.failure) r.outputTokensCounted = tok.count(x.text) + tok.count(x.reasoning);
  } else {
    r.outputTokens = tok.count(x.text) + tok.count(x.reasoning);
  }
}
