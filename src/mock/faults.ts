import type { ServerResponse } from 'node:http';
import { prng, type Prng } from '../random/prng.js';
import { sampler, type Sampler } from '../random/distribution.js';
import type { Fault } from '../scenario/schema.js';
import { bedrockError } from './bedrock-wire.js';

/** ActiveFault is the fault that applies to one request, with its draws made. */
export interface ActiveFault {
  kind: Fault['kind'];
  retryAfterMs?: number;
  afterTokens: number;
  extraTtftMs: number;
}

/**
 * FaultSchedule picks, for each request, the fault that applies to it: the first one whose time
 * window (from the mock's start) contains the request's arrival and whose probability draw hits.
 * Draws use their own seeded PRNG, so the same seed injects the same faults.
 */
export class FaultSchedule {
  private readonly rng: Prng;
  private readonly extra: Sampler[];
  constructor(
    private readonly faults: readonly Fault[],
    private readonly startMs: number,
    seed: number,
  ) {
    this.rng = prng(seed ^ 0x5eed);
    this.extra = faults.map((f) => sampler(f.extraTtftMs, this.rng));
  }

  /** at returns the fault for a request arriving at `nowMs` (performance.now()), or null. */
  at(nowMs: number): ActiveFault | null {
    const t = nowMs - this.startMs;
    for (const [i, f] of this.faults.entries()) {
      if (t < f.from || (f.to !== undefined && t >= f.to)) continue;
      if (f.probability < 1 && this.rng.next() >= f.probability) continue;
      return {
        kind: f.kind,
        ...(f.retryAfter !== undefined ? { retryAfterMs: f.retryAfter } : {}),
        afterTokens: f.afterTokens,
        extraTtftMs: this.extra[i]!(),
      };
    }
    return null;
  }
}

/** OUTAGE_KINDS are the faults that take the whole server down, /v1/models included (health probes see them); degradations do not. */
export const OUTAGE_KINDS: ReadonlySet<Fault['kind']> = new Set(['http_500', 'http_502', 'http_503', 'http_429', 'hang', 'reset']);

/** HTTP_STATUS maps error faults to their status codes. */
export const FAULT_STATUS: Partial<Record<Fault['kind'], number>> = { http_500: 500, http_502: 502, http_503: 503, http_429: 429 };

/** FaultProtocol names the API whose error shapes an HTTP-error fault answers with. */
export type FaultProtocol = 'openai' | 'anthropic' | 'bedrock';

// Bedrock's exception for each error status (its x-amzn-errortype) and the message it sends with it.
const BEDROCK_ERRORS: Record<number, readonly [string, string]> = {
  429: ['ThrottlingException', 'Too many requests, please wait before trying again.'],
  500: ['InternalServerException', 'The system encountered an unexpected error during processing. Try your request again.'],
  502: ['InternalServerException', 'The system encountered an unexpected error during processing. Try your request again.'],
  503: ['ServiceUnavailableException', 'Bedrock is unable to process your request.'],
};

/** faultResponse answers an HTTP-error fault with the protocol's error body (and Retry-After for 429). */
export function faultResponse(res: ServerResponse, f: ActiveFault, protocol: FaultProtocol): void {
  const status = FAULT_STATUS[f.kind]!;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (f.retryAfterMs !== undefined) headers['retry-after'] = String(Math.max(0, Math.ceil(f.retryAfterMs / 1000)));
  if (protocol === 'bedrock') {
    const [type, text] = BEDROCK_ERRORS[status]!;
    return bedrockError(res, status, type, text, headers);
  }
  if (f.retryAfterMs !== undefined) headers['retry-after-ms'] = String(Math.round(f.retryAfterMs));
  const message =
    status === 429
      ? 'Rate limit reached for requests. Please try again later.'
      : status === 503
        ? 'The server is overloaded or not ready yet.'
        : status === 502
          ? 'Bad gateway.'
          : 'The server had an error while processing your request.';
  const body =
    protocol === 'anthropic'
      ? { type: 'error', error: { type: status === 429 ? 'rate_limit_error' : status === 503 ? 'overloaded_error' : 'api_error', message } }
      : {
          error: {
            message,
            type: status === 429 ? 'rate_limit_exceeded' : 'server_error',
            param: null,
            code: status === 429 ? 'rate_limit_exceeded' : null,
          },
        };
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

/**
 * breakStream applies a mid-stream fault at its token: stall (stop writing), reset (drop the connection) or malformed
 * (garbage, then end).
 */
export function breakStream(res: ServerResponse, f: ActiveFault): void {
  if (f.kind === 'reset') res.socket?.destroy();
  else if (f.kind === 'malformed') res.end('data: {"choices": [{"delta": {"content": unterminated\n\n');
  // stall: write nothing more; the connection stays open until the client gives up.
}

/** breaksAt says whether a fault cuts the stream before token k. */
export function breaksAt(f: ActiveFault | null, k: number): f is ActiveFault {
  return f !== null && (f.kind === 'stall' || f.kind === 'reset' || f.kind === 'malformed') && k === f.afterTokens;
}
