import type { ClockProbe } from './clock-probe.js';
import { Cancel, dispatchRequest } from './dispatch-body.js';
import type { Clock } from '../metrics/clock.js';
import { newResult, type AttemptResult, type RequestPhase, type RequestResult } from '../metrics/request-result.js';
import type { EncodingName } from '../scenario/encodings.js';
import { tokenizer as tokenizerFor, type Tokenizer } from '../workload/tokenizer.js';
import { describeError, describeTlsError, errorKindForError, errorKindForStatus, oneLine } from './error-kind.js';
import type { ChatMessage } from '../workload/chat-message.js';
import type { Framing, ProtocolAdapter } from './protocol.js';
import { CHECK_EVERY, CHECK_FIRST, Exchange, htmlTitle, plural, readCompletion, readStream, settleTokens, size } from './read-response.js';
import { apiUrl, type ConnectionProfile, type Lease, type Transport } from './transport.js';
import { REQUEST_ID_HEADERS, type Protocol } from '../scenario/providers.js';
import { openaiChat } from './openai-chat.js';
import { anthropicMessages } from './anthropic-messages.js';
import { bedrockConverse } from './bedrock-converse.js';
import { readRateLimit } from './rate-limit-headers.js';
import { EventStreamDecoder } from './eventstream.js';
import { SseDecoder, type StreamDecoder } from './sse.js';

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
  /** The request path under baseUrl, when the cloud defines its own (Claude on Vertex or Bedrock); default the protocol's. */
  path?: string;
  /** The path of a non-streamed request, when the cloud defines its own (Vertex's :rawPredict, Bedrock's /invoke). */
  completionPath?: string;
  /** How a streamed reply is framed, when the cloud frames it its own way (Claude on Bedrock: eventstream); default the protocol's. */
  framing?: Framing;
  /** Extra body params merged into every request (null removes one the protocol sets). */
  body: Readonly<Record<string, unknown>>;
  /** Secret values (API keys) to scrub from any error text before it is recorded. */
  secrets: readonly string[];
  /** Where the key comes from, for a 401's hint: the environment variable's name (never its value); absent when the target sends none. */
  keySource?: string;
  /** Wire protocol (default openai-chat). */
  protocol?: Protocol;
  /** Ask for usage in the stream (OpenAI stream_options); default true. */
  streamOptions?: boolean;
  /** The target's own token-limit field: wins over the call's. */
  tokenLimitField?: 'max_tokens' | 'max_completion_tokens';
  /** The preset's token-limit field: used when neither target nor workload names one. */
  defaultTokenLimitField?: 'max_tokens' | 'max_completion_tokens';
  /** Response headers to read the provider's request id from, in order (lower case). */
  requestIdHeaders?: readonly string[];
  /** Request header to send our own id in (e.g. X-Client-Request-Id), when the provider accepts one. */
  clientRequestIdHeader?: string;
  /** How its connections are made: proxy, TLS trust and client certificate, HTTP/2. */
  connection?: ConnectionProfile;
  /** Headers that change during a run (a token renewed before it expires), read for every request. */
  requestAuth?: RequestAuth;
}

/**
 * RequestAuth signs each request with a credential that changes during a run: headers read for every request (an Entra
 * ID or Google token), or a signature over the request itself (AWS SigV4), made before the request's time starts.
 */
export interface RequestAuth {
  headers(): Readonly<Record<string, string>>;
  /** sign returns the request's headers with its signature; absent for a scheme that needs no more than headers(). */
  sign?(req: SignableRequest): Promise<Record<string, string>>;
  /** The credential's current secret values, scrubbed from error text like `secrets`. */
  secrets(): readonly string[];
}

/** SignableRequest is what a signature covers: the method, the URL, the headers to send and the body, byte for byte. */
export interface SignableRequest {
  method: string;
  url: URL;
  headers: Readonly<Record<string, string>>;
  body: string;
}

/** ADAPTERS maps each protocol to its adapter. */
export const ADAPTERS: Record<Protocol, ProtocolAdapter> = {
  'openai-chat': openaiChat,
  'anthropic-messages': anthropicMessages,
  'bedrock-converse': bedrockConverse,
};

// What a client asks for, by how the reply is framed.
const ACCEPT: Record<Framing, string> = {
  sse: 'text/event-stream, application/json',
  eventstream: 'application/vnd.amazon.eventstream, application/json',
};

/** ChatCall is one request the load model wants sent: what, when, and how it is labelled. */
export interface ChatCall {
  id: number;
  phase: RequestPhase;
  workload: string;
  /** Turn number within the conversation (1 = the first message). */
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
  /**
   * Prefix of the id sent in the endpoint's client-request-id header: `<prefix>-<request id>` (the run id, so ids are
   * unique across runs).
   */
  clientRequestIdPrefix?: string;
  /** Reads the Date header of every reply: this machine's clock offset against the target's (merged shards compare them). */
  clockProbe?: ClockProbe;
  /** Hears of a request's first token as it arrives (its firstTokenAtMs just set), before the request ends: live TTFT. */
  onFirstToken?: (r: AttemptResult) => void;
}

/**
 * Hit sends one call and always resolves — a request never throws; failure is data. A client's resolves with an
 * AttemptResult, a failover route's with a RouteOutcome.
 */
export type Hit<R extends RequestResult = RequestResult> = (call: ChatCall) => Promise<R>;

/** Where is who a result is filed under: the target (or failover route) that answered for it. */
export type Where = Pick<RequestResult, 'target' | 'region' | 'provider' | 'model'>;

/**
 * resultFor makes a call's RequestResult in its "nothing happened yet" state, filed under `where`: the one place a
 * call's labels become a record's.
 */
export function resultFor(call: ChatCall, where: Where): AttemptResult {
  return newResult({
    id: call.id,
    phase: call.phase,
    target: where.target,
    region: where.region,
    provider: where.provider,
    model: where.model,
    workload: call.workload,
    turn: call.turn,
    step: call.step ?? '',
    scheduledAtMs: call.scheduledAtMs,
    queuedMs: call.queuedMs ?? 0,
    inputTokens: call.inputTokensCounted,
    requestedOutputTokens: call.maxTokens,
  });
}

const MAX_ERROR_BODY_BYTES = 64 * 1024;

/**
 * chatClient makes the Hit function for one endpoint. A hit sends the request (recording when
 * headers came and what the connection cost), reads the stream or the completion into the
 * result, and settles its token counts; every failure on the way becomes the result's error
 * kind, first failure wins.
 */
export function chatClient(endpoint: Endpoint, deps: ClientDeps): Hit<AttemptResult> {
  const adapter = deps.adapter ?? ADAPTERS[endpoint.protocol ?? 'openai-chat'];
  const framing = endpoint.framing ?? adapter.framing ?? 'sse';
  // A cloud's own path serves both kinds of request unless it names one for each (Vertex, Bedrock).
  const streamUrl = apiUrl(endpoint.baseUrl, endpoint.path ?? adapter.path);
  const completionUrl = apiUrl(endpoint.baseUrl, endpoint.completionPath ?? endpoint.path ?? adapter.completionPath ?? adapter.path);
  const origin = streamUrl.origin;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: ACCEPT[framing],
    'user-agent': 'llm-bakeoff',
    ...endpoint.headers,
  };
  // One hard-stop listener per client (not per request) aborts whatever is in flight.
  const inFlight = new Set<Cancel>();
  deps.hardStop?.addEventListener(
    'abort',
    () => {
      for (const c of inFlight) c.abort();
    },
    { once: true },
  );
  const scrub = (s: string) =>
    [...endpoint.secrets, ...(endpoint.requestAuth?.secrets() ?? [])].reduce(
      (acc, secret) => (secret ? acc.split(secret).join('***') : acc),
      s,
    );
  const bodyOf = (call: ChatCall) =>
    JSON.stringify(
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

  // Our own id for the request, where the provider accepts one, so both sides' logs can be joined.
  const clientIdHeader = endpoint.clientRequestIdHeader;
  const auth = endpoint.requestAuth;
  // The connection profile's TLS context is built here, when the client is made, not in its first request's time.
  if (endpoint.connection) deps.transport.prepare(endpoint.connection);
  const withClientId = (call: ChatCall) => {
    const signed = auth ? { ...headers, ...auth.headers() } : headers;
    return clientIdHeader ? { ...signed, [clientIdHeader]: `${deps.clientRequestIdPrefix ?? 'bakeoff'}-${call.id}` } : signed;
  };
  const idHeaders = endpoint.requestIdHeaders ?? REQUEST_ID_HEADERS;
  // Replies so far: the discrepancy check counts the first CHECK_FIRST, then one in CHECK_EVERY.
  let replies = 0;
  const probe = deps.clockProbe;

  return async function hit(call: ChatCall): Promise<AttemptResult> {
    const { clock } = deps;
    const x = new Exchange(resultFor(call, endpoint), call.encoding ? tokenizerFor(call.encoding) : deps.tokenizer);
    if (tooLate(x, call, clock.now(), deps)) return x.r;
    x.checkUsage = replies < CHECK_FIRST || replies % CHECK_EVERY === 0;
    replies++;
    const body = bodyOf(call);
    const url = call.stream ? streamUrl : completionUrl;
    // A signature (SigV4), made before the request's time starts; a target that signs nothing goes straight on.
    const sent = auth?.sign ? await signed(auth, { method: 'POST', url, headers: withClientId(call), body }, x, clock) : withClientId(call);
    if (!sent) return finish(x, call);
    const cancel = new Cancel();
    inFlight.add(cancel);
    x.r.sentAtMs = clock.now();
    const deadlines = armDeadlines(cancel, deps, x.r);
    let lease: Lease | undefined;
    try {
      if (deps.hardStop?.aborted) throw new Error('run aborted before send');
      lease = deps.transport.lease(origin, endpoint.connection);
      const path = url.pathname + url.search;
      const res = await dispatchRequest(lease.dispatcher, { origin, path, method: 'POST', headers: sent, body }, cancel);
      onHeaders(x, res, clock, idHeaders);
      probe?.observe(clock.originEpochMs + x.r.sentAtMs, clock.originEpochMs + x.r.headersAtMs!, headerValue(res.headers.date));
      if (res.statusCode < 200 || res.statusCode >= 300) await readErrorReply(x, res, adapter, endpoint);
      else if (call.stream) await readStream(res.body, adapter, x, clock, deadlines.firstToken, () => cancel.abort(), DECODERS[framing]());
      else await readCompletion(res.body, adapter, x, clock, deadlines.firstToken, () => cancel.abort());
    } catch (err) {
      failed(x, err, deadlines, deps);
    } finally {
      x.r.endAtMs = clock.now();
      if (lease) noteConnection(x.r, lease);
      lease?.release();
      deadlines.clear();
      inFlight.delete(cancel);
    }
    return finish(x, call);
  };

  // finish settles a request's tokens and its failure (scrubbed of every secret), and hands its reply on.
  async function finish(x: Exchange, call: ChatCall): Promise<AttemptResult> {
    call.onReply?.(x.text);
    await settleTokens(x);
    if (x.failure) {
      x.r.errorKind = x.failure.kind;
      x.r.errorMessage = scrub(x.failure.message);
    }
    return x.r;
  }
}

// A streamed reply's decoder, by its framing.
const DECODERS: Record<Framing, () => StreamDecoder> = { sse: () => new SseDecoder(), eventstream: () => new EventStreamDecoder() };

/**
 * signed returns the headers a request goes with, signed over the whole request (SigV4). A signature that
 * cannot be made (the credentials could not be had or renewed) leaves the request unsent: the generator's failure, as
 * `other`, with the reason.
 */
async function signed(
  auth: RequestAuth,
  req: SignableRequest,
  x: Exchange,
  clock: Clock,
): Promise<Readonly<Record<string, string>> | null> {
  try {
    return await auth.sign!(req);
  } catch (err) {
    x.r.sentAtMs = x.r.endAtMs = clock.now();
    x.fail('other', `not sent: the request could not be signed: ${describeError(err)}`);
    return null;
  }
}

// readErrorReply records a non-2xx reply: its Retry-After, and what its (capped) body says is wrong.
async function readErrorReply(
  x: Exchange,
  res: { statusCode: number; headers: Record<string, string | string[] | undefined>; body: AsyncIterable<unknown> },
  adapter: ProtocolAdapter,
  endpoint: Endpoint,
): Promise<void> {
  x.r.retryAfterMs = retryAfterMs(res.headers);
  const errText = await readCapped(res.body, MAX_ERROR_BODY_BYTES);
  const kind = errorKindForStatus(res.statusCode);
  if (kind === 'redirect') return x.fail(kind, redirectMessage(res.statusCode, headerValue(res.headers.location), endpoint));
  x.fail(
    errorKindForStatus(res.statusCode),
    `HTTP ${res.statusCode}: ${errorBodyText(adapter, errText)}${authHint(res.statusCode, endpoint)}`,
  );
}

// onHeaders notes when the response began, its status, what its body claims to be and the rate-limit headroom it states.
function onHeaders(
  x: Exchange,
  res: { statusCode: number; headers: Record<string, string | string[] | undefined> },
  clock: Clock,
  idHeaders: readonly string[],
): void {
  x.r.headersAtMs = clock.now();
  x.r.status = res.statusCode;
  // The provider's id for the request: what its support asks for about a slow or failed one.
  for (const h of idHeaders) {
    const id = headerValue(res.headers[h]);
    if (id) {
      x.r.providerRequestId = oneLine(id, 200);
      break;
    }
  }
  x.contentType = headerValue(res.headers['content-type']) ?? '';
  x.contentEncoding = headerValue(res.headers['content-encoding']) ?? '';
  // The quota left at the provider: a run near its limit measures the limiter, not the model.
  readRateLimit(x.r, res.headers);
}

// noteConnection says whether this request opened its connection (and what the handshake cost),
// tried and failed to, or rode a kept-alive one — answered or not: a request that reset or hung
// opened a connection all the same.
function noteConnection(r: RequestResult, lease: Lease): void {
  r.connection = lease.connectionUse();
  const timing = lease.takeConnectTiming();
  if (!timing) return;
  r.dnsMs = timing.dnsMs;
  r.tcpMs = timing.tcpMs;
  r.tlsMs = timing.tlsMs;
}

/**
 * tooLate refuses to send a request the generator itself dispatched later than the first-token
 * timeout after its schedule (an open loop that cannot keep up): by the schedule's clock it has
 * already timed out, and sending it would only add load and blame the target for the
 * generator's lag. It is recorded as the generator's failure (client_overload), never sent.
 */
function tooLate(x: Exchange, call: ChatCall, now: number, deps: ClientDeps): boolean {
  const lagMs = now - call.scheduledAtMs - (call.queuedMs ?? 0);
  if (lagMs <= deps.firstTokenTimeoutMs) return false;
  x.r.sentAtMs = x.r.endAtMs = now;
  x.r.errorKind = 'client_overload';
  x.r.errorMessage =
    `not sent: dispatched ${Math.round(lagMs)}ms after its schedule, ` +
    `past the ${deps.firstTokenTimeoutMs}ms first-token timeout; the generator could not keep up`;
  return true;
}

// failed names why a request threw: a deadline, the user's abort, a stream cut after a 2xx
// began, or what the transport error says.
function failed(x: Exchange, err: unknown, deadlines: ReturnType<typeof armDeadlines>, deps: ClientDeps): void {
  const timedOut = deadlines.timedOut();
  if (timedOut)
    return x.fail(
      timedOut,
      timedOut === 'ttft_timeout' ? `no first token within ${deps.firstTokenTimeoutMs}ms` : `request exceeded ${deps.totalTimeoutMs}ms`,
    );
  if (deps.hardStop?.aborted) return x.fail('aborted', 'run interrupted while the request was in flight');
  const kind = errorKindForError(err);
  // A 2xx response that began and then broke is a cut stream, not a connection that never answered.
  if (kind === 'reset' && x.r.status >= 200 && x.r.status < 300)
    return x.fail('stream_cut', `stream cut after ${plural(x.deltas, 'delta')} (${size(x.bytes)}): ${describeError(err)}`);
  x.fail(kind, kind === 'tls_error' ? describeTlsError(err) : describeError(err));
}

// A redirect is not followed (the key would go wherever it points): say where it pointed, by host
// only — a Location's path and query may carry a key of their own.
function redirectMessage(status: number, location: string | undefined, endpoint: Endpoint): string {
  let where = 'no Location';
  if (location) {
    try {
      const to = new URL(location, endpoint.baseUrl);
      const same = to.origin === new URL(endpoint.baseUrl).origin;
      where = `Location on ${to.protocol}//${to.host}${same ? ', the same origin' : ''}`;
    } catch {
      where = 'a Location that is not a URL';
    }
  }
  return `HTTP ${status}: redirect not followed (${where}); point baseUrl at where the API answers`;
}

// What an error response said: the provider's message from its JSON, or — from a gateway or a
// proxy in front of it — the title of its HTML page, not the page's markup.
function errorBodyText(adapter: ProtocolAdapter, body: string): string {
  if (!body.trim()) return '(empty body)';
  if (/^\s*<(!doctype|html|head|body)/i.test(body)) return `an HTML page (${body.length} bytes): "${htmlTitle(body)}"`;
  return oneLine(adapter.errorMessage(body));
}

// A 401 is almost always the key: say which one was sent (by its variable's name) or that none was. A 403 is a key that
// was accepted but may not do this: its permissions, a region the provider blocks, or the account's access to the model.
// A credential fetched for the target (an Entra ID or Google token, AWS keys that sign) is the identity's it came from.
function authHint(status: number, endpoint: Endpoint): string {
  if (status !== 401 && status !== 403) return '';
  if (endpoint.requestAuth && !endpoint.keySource)
    return " — the target's credential was refused: check the identity it came from and its role or permissions";
  if (!endpoint.keySource) return ' — this target sends no API key: set apiKeyEnv (or headersFromEnv) in the scenario';
  return status === 401
    ? ` — check the key in ${endpoint.keySource}`
    : ` — check the permissions of the key in ${endpoint.keySource}, a region block, or the account's access to ${endpoint.model}`;
}

// A response header's (first) value; undefined when the response has none.
function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * armDeadlines starts a request's two clocks: the first-token deadline (cleared by the first
 * token) and the total deadline. Either aborts the request, and says which fired first.
 *
 * A deadline does not abort the moment its timer runs: it waits one turn of the event loop
 * first. Node runs due timers before it reads the sockets, so when the generator was busy the
 * answer may already be waiting, unread; the turn lets it be read. Only a deadline that still
 * stands after it is the target's timeout — never the generator's own slowness.
 */
function armDeadlines(cancel: Cancel, deps: ClientDeps, r: AttemptResult) {
  let fired: 'ttft_timeout' | 'total_timeout' | null = null;
  let tokenSeen = false;
  let over = false;
  const fire = (kind: 'ttft_timeout' | 'total_timeout') =>
    setImmediate(() => {
      if (fired || over || (kind === 'ttft_timeout' && tokenSeen)) return;
      fired = kind;
      cancel.abort();
    });
  const total = setTimeout(() => fire('total_timeout'), deps.totalTimeoutMs);
  let ttft: NodeJS.Timeout | undefined = setTimeout(() => fire('ttft_timeout'), deps.firstTokenTimeoutMs);
  return {
    // The first token clears its deadline and tells whoever listens (live TTFT), its firstTokenAtMs just set.
    firstToken() {
      tokenSeen = true;
      clearTimeout(ttft);
      ttft = undefined;
      deps.onFirstToken?.(r);
    },
    timedOut: () => fired,
    clear() {
      over = true;
      clearTimeout(total);
      if (ttft) clearTimeout(ttft);
    },
  };
}

/** retryAfterMs reads retry-after-ms or Retry-After (seconds, or an HTTP date) from response headers. */
export function retryAfterMs(headers: Record<string, string | string[] | undefined>): number | null {
  const ms = Number(headerValue(headers['retry-after-ms']));
  if (headerValue(headers['retry-after-ms']) !== undefined && Number.isFinite(ms)) return Math.max(0, ms);
  const ra = headerValue(headers['retry-after']);
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
