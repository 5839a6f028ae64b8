import { z } from 'zod';
import { parseDurationMs } from './duration.js';
import { ENCODINGS } from './encodings.js';
import { DEFAULT_FAILOVER_ON, FAILOVER_TRIGGERS } from './error-kinds.js';
import { DEFAULT_SLO } from './threshold.js';
import { DEFAULT_ATTAINMENT, GOODPUT_BOUNDS, parsePercent, percentText, type GoodputBlock } from './goodput-bounds.js';
import { PROVIDERS } from './providers.js';
import { modelPriceSchema } from './price-row.js';
import { DEFAULT_PROMPT_TOKENS, MAX_TIMER_MS, MAX_TOKENS_PER_REQUEST } from './limits.js';
import { evenWithIssues, show } from './refine.js';
import { loadRules, sweepRules } from './load-rules.js';
import { mockRules, targetRules } from './target-rules.js';
import { workloadRules } from './workload-rules.js';
import { scenarioRules } from './scenario-rules.js';

export { MAX_TIMER_MS, MAX_TOKENS_PER_REQUEST, show };

// The scenario schema: strict everywhere (an unknown key is an error, since a typo such as
// `concurency` would otherwise silently run the default), with messages that quote the bad value
// and say what to write instead. Rules between fields are refinements of the object that holds them
// (*-rules.ts); validate.ts turns zod's issues into the problems a user reads.

// durationMs accepts "500ms", "30s", "2m", "1h", "1m30s" and yields milliseconds.
const durationMs = z
  .string({ error: (iss) => `expected a duration string such as "30s", got ${show(iss.input)}` })
  .refine((s) => parseDurationMs(s) !== null, {
    error: (iss) => `${show(iss.input)} is not a duration; write e.g. "500ms", "30s", "2m" or "1m30s"`,
  })
  .transform((s) => parseDurationMs(s)!)
  .refine((ms) => ms <= MAX_TIMER_MS, {
    error: (iss) => `${show(iss.input)} is longer than 24 days, the longest wait a timer can make; split the run into shorter ones`,
  });

// percentage accepts "99%" or "99.9%" and yields a fraction in (0, 1]: a share written as a bare number is ambiguous.
const percentage = z
  .string({ error: (iss) => `expected a percentage such as "99%", got ${show(iss.input)}; write the share with %` })
  .refine((s) => parsePercent(s) !== null, { error: (iss) => `${show(iss.input)} is not a percentage; write e.g. "99%" or "99.9%"` })
  .transform((s) => parsePercent(s)!)
  .refine((f) => f > 0 && f <= 1, { error: (iss) => `${show(iss.input)} is not a share; write a percentage above 0% and at most 100%` });

// A goodput bound: a duration above 0 (a bound of 0 can never be met).
const sloBound = durationMs.refine((ms) => ms > 0, { error: 'a bound of 0 can never be met; write e.g. "600ms"' }).optional();

const goodputFields = z.strictObject({
  ttft: sloBound,
  ttfc: sloBound,
  itlMax: sloBound,
  'itl-max': sloBound,
  tpot: sloBound,
  e2e: sloBound,
  attainment: percentage.default(DEFAULT_ATTAINMENT),
});

/**
 * goodputSchema: per-request bounds (docs/metrics.md#goodput): a request is good when it succeeded and met every bound
 * named; `attainment` is the share of good requests a target needs to meet the SLO (default 99%). `itl-max` is read as
 * itlMax.
 */
export const goodputSchema = goodputFields
  .superRefine((g, ctx) => {
    const named = GOODPUT_BOUNDS.filter((b) => g[b] !== undefined || (b === 'itlMax' && g['itl-max'] !== undefined));
    if (!named.length)
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: `names no bound; give one or more of ${GOODPUT_BOUNDS.join(', ')}, e.g. ttft: 600ms`,
      });
    if (g.itlMax !== undefined && g['itl-max'] !== undefined)
      ctx.addIssue({ code: 'custom', path: ['itl-max'], message: 'is itlMax written again; keep one of the two' });
  }, evenWithIssues)
  .transform((g): GoodputBlock => {
    const out: GoodputBlock = { attainment: g.attainment };
    for (const b of GOODPUT_BOUNDS) {
      const v = b === 'itlMax' ? (g.itlMax ?? g['itl-max']) : g[b];
      if (v !== undefined) out[b] = v;
    }
    return out;
  });

const nonNegative = z.number().min(0);
const bound = { min: nonNegative.optional(), max: nonNegative.optional() };

/**
 * wholeNumber is a number that must be a (safe) integer. Zod's own `.int()` marks its issue final, which skips every
 * refinement of the objects around it: a cross-field problem in the same block would only show once the number is
 * fixed. This check reports the same issue ("expected int") and lets the block's rules run, so every problem is printed
 * at once.
 */
export function wholeNumber() {
  return z.number().check((ctx) => {
    if (!Number.isSafeInteger(ctx.value)) ctx.issues.push({ code: 'invalid_type', expected: 'int', input: ctx.value, continue: true });
  });
}

/** distribution: a constant, or { dist: fixed|uniform|normal|lognormal|exponential|empirical, ... }. */
export const distributionSchema = z.union([
  nonNegative,
  z.discriminatedUnion('dist', [
    z.strictObject({ dist: z.literal('fixed'), value: nonNegative }),
    z.strictObject({ dist: z.literal('uniform'), min: nonNegative, max: nonNegative }),
    z.strictObject({ dist: z.literal('normal'), mean: nonNegative, stddev: nonNegative, ...bound }),
    z.strictObject({ dist: z.literal('lognormal'), median: z.number().positive(), sigma: nonNegative, ...bound }),
    z.strictObject({ dist: z.literal('exponential'), mean: z.number().positive(), ...bound }),
    z.strictObject({ dist: z.literal('empirical'), values: z.array(nonNegative).min(1) }),
  ]),
]);

/** tokenCountSchema: a token count — a whole number ≥ 1, or a distribution (draws are rounded, at least 1). */
export const tokenCountSchema = z.union([
  wholeNumber()
    .positive()
    .max(MAX_TOKENS_PER_REQUEST, {
      error: (iss) =>
        `${show(iss.input)} tokens is more than any model takes or gives ` +
        `(at most ${MAX_TOKENS_PER_REQUEST.toLocaleString('en-US')}); write e.g. 4096`,
    }),
  distributionSchema.options[1],
]);

/** faultSchema: one injected failure in the mock, in a time window (from the mock's start) and/or with a probability. */
export const faultSchema = z.strictObject({
  /**
   * http_500 / http_502 / http_503: an error response with a provider-shaped body; http_429: rate
   * limited, with Retry-After; hang: never answer; stall: stop mid-stream after `afterTokens`;
   * reset: drop the connection after `afterTokens`; slow: add `extraTtftMs` (degraded but up);
   * malformed: garbage in the stream after `afterTokens`.
   */
  kind: z.enum(['http_500', 'http_502', 'http_503', 'http_429', 'hang', 'stall', 'reset', 'slow', 'malformed']),
  from: durationMs.default(0),
  to: durationMs.optional(),
  probability: z.number().min(0).max(1).default(1),
  retryAfter: durationMs.optional(),
  afterTokens: wholeNumber().min(0).default(0),
  extraTtftMs: distributionSchema.default(0),
});

/** mockProfileSchema: the embedded mock's latency model for one target. */
export const mockProfileSchema = z
  .strictObject({
    /** Network round trip before response headers. */
    rttMs: distributionSchema.default(0),
    /** Server time from headers to the first content token (prefill). */
    ttftMs: distributionSchema.default(150),
    /** Gap between consecutive content tokens (decode). */
    itlMs: distributionSchema.default(15),
    /** Completion length before a natural stop; absent = always run to the token limit. */
    outputTokens: distributionSchema.optional(),
    /** Reasoning ("thinking") tokens streamed before the content (reasoning models), as the target's protocol streams them. */
    reasoningTokens: distributionSchema.optional(),
    /** Quirks of real providers, to test presets offline. */
    quirks: z
      .strictObject({
        /** final-chunk (OpenAI with include_usage), every-chunk (cumulative, as Gemini's OpenAI endpoint), none. */
        usage: z.enum(['final-chunk', 'every-chunk', 'none']).optional(),
        /** Send the role-only first chunk (default true, as OpenAI does). */
        roleChunk: z.boolean().default(true),
        /** Empty-content chunks between tokens (as some gateways send keep-alive deltas). */
        emptyChunks: z.boolean().default(false),
        /**
         * Whose stream to copy, as it is served today: plain (the mock's own), openai, gemini or deepseek
         * (on /v1/chat/completions), anthropic (on /v1/messages). See docs/providers.md.
         */
        shape: z.enum(['plain', 'openai', 'gemini', 'deepseek', 'anthropic']).default('plain'),
        /** Prompt tokens the usage reports as prompt-cache hits (at most the prompt). */
        cachedPromptTokens: wholeNumber().nonnegative().default(0),
      })
      .prefault({}),
    /** Injected failures: the first fault whose window and draw match a request applies to it. */
    faults: z.array(faultSchema).default([]),
    /** Requests the mock serves at once; more wait in line (their wait lands in TTFT). Default: unlimited. */
    slots: wholeNumber().positive().optional(),
    /**
     * Requests the mock serves at full speed; beyond it every request's TTFT and gaps stretch by in-flight ÷ capacity, as
     * a batching server shares its compute. Default: unlimited. (slots queues beyond its count instead.)
     */
    capacity: wholeNumber().positive().optional(),
    /** Seed of the mock's latency draws (default: derived from the scenario seed and target name). */
    seed: wholeNumber().optional(),
  })
  .superRefine(mockRules, evenWithIssues);

// A name (of the scenario, a target, a workload, a route): it lands in file names and report columns.
const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, {
  error: (iss) => `${show(iss.input)} is not a valid name; use letters, digits, "_", "." or "-"`,
});

// An environment variable's name, with an example of the kind the field takes.
const envName = (example: string) =>
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
    error: (iss) => `${show(iss.input)} is not an environment variable name; write e.g. "${example}"`,
  });

const RESERVED_BODY_KEYS = ['model', 'messages', 'stream'];

/**
 * azureSchema is a target's Azure block: the resource's endpoint, and for Azure OpenAI the deployment with its API
 * version (POST {endpoint}/openai/deployments/{deployment}/chat/completions?api-version=…), or no deployment for the v1
 * API (POST {endpoint}/openai/v1/chat/completions, the target's model in the body); for Azure AI Foundry the API
 * version of its model inference endpoint (POST {endpoint}/models/chat/completions?api-version=…).
 */
export const azureSchema = z.strictObject({
  endpoint: z
    .string()
    .refine(isHttpUrl, { error: (iss) => `${show(iss.input)} is not an http(s) URL; write e.g. "https://my-resource.openai.azure.com"` })
    .optional(),
  deployment: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, { error: 'is not a deployment name (letters, digits, ".", "_", "-"); write e.g. "gpt-4o-mini"' })
    .optional(),
  apiVersion: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}(-preview)?$/, { error: 'is not an Azure OpenAI API version; write e.g. "2024-10-21"' })
    .optional(),
});

/**
 * vertexSchema is a target's Vertex AI block: the Google Cloud project and the location (a region such as us-central1,
 * or global) that build the URL (runner/cloud-urls.ts).
 */
export const vertexSchema = z.strictObject({
  project: z
    .string()
    .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, { error: 'is not a Google Cloud project id; write e.g. "my-project"' })
    .optional(),
  location: z
    .string()
    .regex(/^[a-z0-9-]+$/, { error: 'is not a Vertex AI location; write e.g. "us-central1" or "global"' })
    .optional(),
});

/**
 * bedrockSchema is a target's Amazon Bedrock block: the AWS region that builds the URL (bedrock-runtime.{region}.amazonaws.com)
 * and scopes the SigV4 signature, and the shared-config profile the AWS credential chain reads (default: AWS_PROFILE, else
 * "default").
 */
export const bedrockSchema = z.strictObject({
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, { error: 'is not an AWS region; write e.g. "us-east-1"' })
    .optional(),
  profile: z
    .string()
    .regex(/^[A-Za-z0-9._@+-]+$/, { error: 'is not an AWS profile name; write e.g. "bakeoff"' })
    .optional(),
});

/** targetSchema: one endpoint and model under test (or its mock). */
export const targetSchema = z
  .strictObject({
    name,
    region: z.string().min(1).default('default'),
    /** Provider preset: base URL, auth style, accepted fields and usage reporting (see scenario/providers.ts). */
    provider: z.enum(PROVIDERS).default('openai-compatible'),
    /** Overrides of the preset. */
    protocol: z.enum(['openai-chat', 'anthropic-messages', 'bedrock-converse']).optional(),
    auth: z.enum(['bearer', 'x-api-key', 'api-key', 'entra-id', 'sigv4']).optional(),
    /** Send stream_options.include_usage (OpenAI protocol); false for servers that reject it. */
    streamOptions: z.boolean().optional(),
    /** Output token limit field for this target (overrides the workload and the preset). */
    tokenLimitField: z.enum(['max_tokens', 'max_completion_tokens']).optional(),
    /** API root such as https://api.openai.com/v1; requests go to `${baseUrl}/chat/completions`. */
    baseUrl: z
      .string()
      .refine(isHttpUrl, { error: (iss) => `${show(iss.input)} is not an http(s) URL; write e.g. "https://api.openai.com/v1"` })
      .optional(),
    /** The Azure resource and deployment (provider: azure-openai, azure-ai-foundry); they build the URL, baseUrl overrides the endpoint. */
    azure: azureSchema.optional(),
    /** The Vertex AI project and location (provider: vertex); they build the URL, baseUrl overrides the endpoint root. */
    vertex: vertexSchema.optional(),
    /** The Amazon Bedrock region (and AWS profile) (provider: bedrock); the region builds the URL, baseUrl overrides the endpoint root. */
    bedrock: bedrockSchema.optional(),
    mock: mockProfileSchema.optional(),
    model: z.string().min(1, { error: 'is empty; name the model to request, e.g. "gpt-4o-mini"' }),
    apiKeyEnv: envName('OPENAI_API_KEY').optional(),
    /** Extra headers. A credential never goes here (validation refuses it): use apiKeyEnv or headersFromEnv. */
    headers: z.record(z.string(), z.string()).default({}),
    /** Headers whose values come from environment variables: header name → variable name (e.g. { api-key: AZURE_OPENAI_KEY }). */
    headersFromEnv: z.record(z.string(), envName('AZURE_OPENAI_KEY')).default({}),
    /** URL query parameters whose values come from environment variables: parameter → variable name (e.g. { key: GEMINI_API_KEY }). */
    queryFromEnv: z.record(z.string(), envName('GEMINI_API_KEY')).default({}),
    body: z
      .record(z.string(), z.unknown())
      .refine((b) => !RESERVED_BODY_KEYS.some((k) => k in b), {
        error: `may not set ${RESERVED_BODY_KEYS.join(', ')}; they come from the target and workload`,
      })
      .default({}),
    /** Overrides load.concurrency for this target. */
    concurrency: wholeNumber().positive().optional(),
    /** The response header that carries the provider's request id (default: the preset's, else the common ones). */
    requestIdHeader: z
      .string()
      .regex(/^[A-Za-z0-9-]+$/, { error: 'is not a header name; write e.g. "x-request-id"' })
      .optional(),
    /** The request header to send our own request id in (the requests.csv row), when the provider accepts one; "" sends none. */
    clientRequestIdHeader: z
      .string()
      .regex(/^([A-Za-z0-9-]+)?$/, { error: 'is not a header name; write e.g. "X-Client-Request-Id"' })
      .optional(),
    /** The HTTP proxy to connect through (CONNECT tunnel), or false for none; absent: HTTPS_PROXY / HTTP_PROXY / NO_PROXY decide. */
    proxy: z
      .union([
        z.literal(false),
        z.string().refine(isHttpUrl, { error: (iss) => `${show(iss.input)} is not an http(s) URL; write e.g. "http://proxy.corp:3128"` }),
      ])
      .optional(),
    /** PEM files, relative to the scenario file: roots to trust besides Node's (ca), a client certificate and key (mTLS). */
    tls: z
      .strictObject({ ca: z.string().min(1).optional(), cert: z.string().min(1).optional(), key: z.string().min(1).optional() })
      .refine((t) => !t.cert === !t.key, { error: 'cert and key go together: give both for a client certificate, or neither' })
      .optional(),
    /** Offer HTTP/2 (ALPN) on https; default HTTP/1.1, as the providers' own SDKs use. */
    http2: z.boolean().optional(),
  })
  .superRefine(targetRules, evenWithIssues);

/** datasetSchema: prompts from a file of real conversations instead of synthetic text. */
export const datasetSchema = z.strictObject({
  /**
   * JSONL (or a JSON array) of {"messages": [...]} (OpenAI format) or {"conversations": [...]} (ShareGPT); relative to
   * the scenario file.
   */
  file: z.string().min(1),
  /** random: entries drawn with the scenario seed (every target gets the same draws); sequential: in file order, wrapping. */
  order: z.enum(['random', 'sequential']).default('random'),
  /** workload: the workload's maxTokens; reference: the token length of the entry's own reply (as vLLM's benchmark does). */
  outputLength: z.enum(['workload', 'reference']).default('workload'),
});

// workloadSchema's fields, before its rules and late defaults.
const workloadFields = z.strictObject({
  name: name.default('default'),
  /** Share of the traffic in a mix (`workloads:`); relative, need not sum to 100. */
  weight: z.number().positive().default(1),
  systemPrompt: z.string().optional(),
  /** Length of the synthetic user prompt in tokens (exact, with `encoding`), shared prefix included. */
  promptTokens: tokenCountSchema.optional(),
  /** The first N tokens of every prompt are the same (to measure prompt caching on purpose); the rest varies per request. */
  sharedPrefixTokens: wholeNumber().min(0).optional(),
  /** Output token limit per request: a number or a distribution. */
  maxTokens: tokenCountSchema.default(128),
  /**
   * Which request field carries the token limit; default: the target's preset (max_completion_tokens for openai,
   * max_tokens elsewhere).
   */
  tokenLimitField: z.enum(['max_tokens', 'max_completion_tokens']).optional(),
  stream: z.boolean().default(true),
  encoding: z.enum(ENCODINGS).default('o200k_base'),
  /** Turns per conversation: turn k carries the k−1 earlier exchanges, with the assistant's actual replies. */
  turns: wholeNumber().positive().default(1),
  /** Pause between a reply and the next turn (a user reading and typing), in ms. */
  thinkTimeMs: distributionSchema.default(0),
  dataset: datasetSchema.optional(),
  /** This workload's own goodput bounds and attainment: they replace the scenario's `goodput:` for its requests. */
  goodput: goodputSchema.optional(),
});

/**
 * workloadSchema: what each request asks. promptTokens and sharedPrefixTokens get their defaults after the rules ran,
 * which tell a value the user wrote from a default.
 */
export const workloadSchema = workloadFields.superRefine(workloadRules, evenWithIssues).transform((w) =>
  inShapeOrder(workloadFields.shape, {
    ...w,
    promptTokens: w.promptTokens ?? DEFAULT_PROMPT_TOKENS,
    sharedPrefixTokens: w.sharedPrefixTokens ?? 0,
  }),
);

/** routeSchema: one share of a routed traffic stream. */
export const routeSchema = z.strictObject({
  target: z.string().min(1),
  weight: z.number().positive(),
});

/** stageSchema: one step of a ramp — the rate or concurrency moves linearly to its target over `duration`. */
export const stageSchema = z.strictObject({
  duration: durationMs,
  /** Open loop: arrivals per second at the end of the stage. */
  rate: z.number().min(0).optional(),
  /** Closed loop: virtual users at the end of the stage. */
  concurrency: wholeNumber().min(0).optional(),
});

/** traceSchema: replay recorded arrivals from a JSONL file (path relative to the scenario file). */
export const traceSchema = z.strictObject({
  file: z.string().min(1),
  /** Multiplies every inter-arrival gap: 0.5 replays twice as fast, 2 half as fast. */
  timeScale: z.number().positive().default(1),
});

// loadSchema's fields, before its rules and late defaults.
const loadFields = z.strictObject({
  /** Closed loop: this many requests in flight per target, each starting when the previous ends. */
  concurrency: wholeNumber().positive().optional(),
  /** Open loop: arrivals per second per target, whether or not earlier requests have finished. */
  rate: z.number().positive().optional(),
  /** Open loop: constant spacing (1/rate apart) or poisson (exponential gaps with mean 1/rate). */
  arrivals: z.enum(['constant', 'poisson']).optional(),
  /** Ramps: of the arrival rate (open loop, k6 ramping-arrival-rate) or of concurrency (closed loop, k6 ramping-vus). */
  stages: z.array(stageSchema).min(1).optional(),
  /** Open loop: replay a trace of arrivals instead of a rate. */
  trace: traceSchema.optional(),
  /** Open loop: most requests in flight at once per target. */
  maxInFlight: wholeNumber().positive().optional(),
  /** Open loop, at maxInFlight: drop the arrival (counted) or queue it (latency still counts from its schedule). */
  overflow: z.enum(['drop', 'queue']).optional(),
  /**
   * After a failure that says the target is down or overloaded (5xx, 429, refused or reset
   * connection), or that a retry will not change (another 4xx, a 3xx): a closed-loop user pauses
   * this long, doubling on each further failure (capped at 30 s, with jitter); an open loop stops
   * sending to the target for this long after 5 in a row. 0 turns it off (raw behaviour, for
   * servers you own).
   */
  errorBackoff: z.union([durationMs, z.literal(0)]).default(1000),
  /**
   * The longest Retry-After honoured: a target answering 429/503 with Retry-After gets no request before it passes (a
   * longer one waits this long). "0s" ignores Retry-After.
   */
  maxRetryAfter: durationMs.default(60_000),
  /**
   * Refusals that stop a target for the rest of the run: a target that answers this many 400, 401, 403, 404 or 3xx in a
   * row, with no success between them, gets no more requests (its closed-loop users idle, its open-loop arrivals are
   * dropped as target_stopped); the other targets go on. 0 never stops one.
   */
  stopAfterRefusals: wholeNumber().min(0).default(10),
  /**
   * Open loop: the latest an arrival may leave after its schedule. When the generator falls
   * further behind than this, it drops the arrivals it cannot send in time (generator_lag, counted
   * as the generator's, never the target's) instead of sending a backlog in a burst. "0s": no limit.
   */
  maxDispatchLag: durationMs.optional(),
  /**
   * Open loop: the generator's cap on requests outstanding per target (default: a share of the process's
   * file-descriptor limit); arrivals beyond it are dropped by the generator.
   */
  maxConnections: wholeNumber().positive().optional(),
  /** Measurement duration per target (after warmup). */
  duration: durationMs
    .refine((ms) => ms > 0, { error: 'must be longer than 0: a run of 0s measures nothing; write e.g. "30s"' })
    .optional(),
  /** Measured arrivals per target (after warmup): requests, or conversations for multi-turn workloads. */
  requests: wholeNumber().positive().optional(),
  /** Warmup before measurement: a duration ("5s") or an arrival count per target (10). */
  warmup: z
    .union([
      durationMs.transform((ms) => ({ durationMs: ms })),
      wholeNumber()
        .min(0)
        .transform((n) => ({ requests: n })),
    ])
    .optional(),
});

/**
 * loadSchema: how hard to drive each target, and for how long. arrivals, overflow and maxDispatchLag get their defaults
 * after the rules ran, which refuse them in a closed loop only when the user wrote them.
 */
export const loadSchema = loadFields.superRefine(loadRules, evenWithIssues).transform((l) =>
  inShapeOrder(loadFields.shape, {
    ...l,
    arrivals: l.arrivals ?? 'constant',
    overflow: l.overflow ?? 'drop',
    maxDispatchLag: l.maxDispatchLag ?? 1000,
  }),
);

/** failoverSchema: one failover route — the traffic goes to the route, which tries its chain of targets in order. */
export const failoverSchema = z.strictObject({
  name,
  /** Targets in order of preference: primary first. */
  chain: z.array(z.string().min(1)).min(1),
  /** Per-attempt timeouts (default: the scenario's timeouts). */
  attemptTimeouts: z
    .strictObject({ connect: durationMs.optional(), firstToken: durationMs.optional(), total: durationMs.optional() })
    .default({}),
  /** Failures that move to the next hop; others (e.g. a 400) end the request. */
  on: z
    .array(z.enum(FAILOVER_TRIGGERS))
    .min(1)
    .default(() => [...DEFAULT_FAILOVER_ON]),
  retry: z
    .strictObject({
      /** Attempts per user request, first included, across the chain. */
      maxAttempts: wholeNumber().positive().default(3),
      /** Backoff before re-trying a hop already tried: initial × multiplier^n, capped, ± jitter (a fraction). */
      backoff: z
        .strictObject({
          initial: durationMs.default(100),
          max: durationMs.default(2000),
          multiplier: z.number().min(1).default(2),
          jitter: z.number().min(0).max(1).default(0.2),
        })
        .prefault({}),
      /** Skip a target that answered 429/503 with Retry-After until that time has passed. */
      honorRetryAfter: z.boolean().default(true),
      /** Retries allowed as a share of first attempts (0.2 = at most 20% extra load), plus `minPerSec` always. */
      budget: z.number().min(0).default(0.2),
      minPerSec: z.number().min(0).default(5),
    })
    .prefault({}),
  /** Per-target circuit breaker. */
  breaker: z
    .strictObject({
      failures: wholeNumber().positive().default(5),
      errorRate: z
        .strictObject({ above: z.number().min(0).max(1), window: durationMs, minRequests: wholeNumber().positive().default(20) })
        .optional(),
      openFor: durationMs.default(5000),
      halfOpenProbes: wholeNumber().positive().default(1),
    })
    .prefault({}),
  /** Active health checks (GET <baseUrl>/models) feeding each hop's breaker. */
  healthProbe: z.strictObject({ interval: durationMs, timeout: durationMs.default(2000) }).optional(),
});

/** pricingSchema: where prices come from — a catalog file, and/or per-model overrides ($ per 1M tokens). */
export const pricingSchema = z.strictObject({
  file: z.string().min(1).optional(),
  models: z.record(z.string(), modelPriceSchema).default({}),
});

/** DEFAULT_CONFIRM_ABOVE_USD: a run estimated above this many dollars asks for --yes (when it has no budget block of its own). */
export const DEFAULT_CONFIRM_ABOVE_USD = 5;

/** budgetSchema: caps a run never spends past; it stops cleanly (results written) before crossing one. */
export const budgetSchema = z.strictObject({
  maxUsd: z.number().positive().optional(),
  maxRequests: wholeNumber().positive().optional(),
  maxTokens: wholeNumber().positive().optional(),
  /** A run whose estimated cost is above this asks "continue? [y/N]" on a terminal, and needs --yes off one. */
  confirmAboveUsd: z.number().min(0).default(DEFAULT_CONFIRM_ABOVE_USD),
});

/** sweepGridSchema: step the load through given levels and find the highest that still meets the SLO (the knee). */
const sweepGridSchema = z
  .strictObject({
    /** What to step: the open-loop arrival rate, or the closed-loop concurrency. */
    over: z.enum(['rate', 'concurrency']),
    /** The levels, in order: a list, or a geometric / arithmetic progression. */
    values: z.union([
      z.array(z.number().positive()).min(1),
      z.strictObject({
        from: z.number().positive(),
        to: z.number().positive(),
        factor: z.number().gt(1).optional(),
        step: z.number().positive().optional(),
      }),
    ]),
    /** Measured time per level (after the load's warmup, repeated at every level); default: load.duration, else 10s. */
    stepDuration: durationMs.optional(),
    /** Conditions a level must meet, k6-style: "ttft.p99 < 800ms", "errorRate < 1%". */
    slo: z
      .array(z.string())
      .min(1)
      .default(() => [...DEFAULT_SLO]),
    /** Stop stepping once every target has failed the SLO (the rest would only fail harder). */
    stopAfterKnee: z.boolean().default(true),
  })
  .superRefine(sweepRules, evenWithIssues);

/**
 * sweepSearchSchema: search for the highest load whose SLO attainment (goodput ratio) is at least `goodput`, per target:
 * double from `from` until it breaks, then bisect (whole users, or whole requests a second), never past `to`. It reads
 * as a sweep whose SLO is "goodput >= X%" and whose levels the search picks (runner/sweep-search.ts).
 */
const sweepSearchSchema = z
  .strictObject({
    /** What to search over: the closed-loop concurrency, or the open-loop arrival rate. */
    search: z.enum(['rate', 'concurrency']),
    from: wholeNumber().positive(),
    to: wholeNumber().positive(),
    /** The share of requests that must be good (the scenario's goodput bounds) for a level to meet the SLO. */
    goodput: percentage,
    /** Measured time per probed level (after the load's warmup); default: load.duration, else 10s. */
    stepDuration: durationMs.optional(),
  })
  .refine((s) => s.to >= s.from, { error: (iss) => `to must be ≥ from (${(iss.input as { from: number }).from})`, path: ['to'] })
  .transform((s) => ({
    over: s.search,
    search: { from: s.from, to: s.to, goodput: s.goodput },
    ...(s.stepDuration !== undefined ? { stepDuration: s.stepDuration } : {}),
    slo: [`goodput >= ${percentText(s.goodput)}`],
    stopAfterKnee: false,
  }));

/** sweepSchema: a capacity sweep, through given levels (a grid) or searching for the highest level meeting the SLO. */
export const sweepSchema = z.union([sweepGridSchema, sweepSearchSchema]);

/** thresholdCheckSchema is a threshold's object form: the check, its filter, and what a breach does. */
export const thresholdCheckSchema = z.strictObject({
  check: z.string(),
  target: z.string().optional(),
  region: z.string().optional(),
  route: z.string().optional(),
  workload: z.string().optional(),
  model: z.string().optional(),
  /** together (default): the matching requests judged as one; target: each matching target on its own. */
  per: z.enum(['together', 'target']).default('together'),
  abortOnFail: z.boolean().default(false),
  delayAbortEval: durationMs.default(0),
});
/**
 * thresholdSchema: a condition the run must meet (k6's thresholds), as a string judged on each
 * target (each failover route, when the scenario has routes), or with a filter that narrows it to
 * a target, a region, a model, a route or a workload (the matching requests judged together, or
 * each matching target on its own with `per: target`). A breach
 * exits 3; with abortOnFail the run stops as soon as it is breached, once delayAbortEval has
 * passed since the first measured request.
 */
export const thresholdSchema = z.union([z.string(), thresholdCheckSchema]);

/** timeoutsSchema: how long a request may take to connect, to its first token, and in all. */
export const timeoutsSchema = z.strictObject({
  connect: durationMs.default(10_000),
  firstToken: durationMs.default(60_000),
  total: durationMs.default(300_000),
});

/** scenarioSchema: a whole scenario file. */
export const scenarioSchema = z
  .strictObject({
    name,
    description: z.string().optional(),
    seed: wholeNumber().default(1),
    targets: z.array(targetSchema).min(1, { error: 'needs at least one target' }),
    /** One workload for all traffic… */
    workload: workloadSchema.optional(),
    /** …or a weighted mix of workloads (each request picks one by weight, with the scenario seed). */
    workloads: z.array(workloadSchema).min(1).optional(),
    /** Split ONE traffic stream across targets by weight, instead of giving every target the full load. */
    routing: z.array(routeSchema).min(1).optional(),
    load: loadSchema,
    timeouts: timeoutsSchema.prefault({}),
    sweep: sweepSchema.optional(),
    pricing: pricingSchema.optional(),
    budget: budgetSchema.optional(),
    /** SLO for the decision table, k6-style: the cheapest target meeting all of these is named. */
    slo: z.array(z.string()).optional(),
    /** Per-request SLO bounds and the share of requests that must meet them (goodput); a workload's own block replaces it. */
    goodput: goodputSchema.optional(),
    /** Pass/fail conditions of the run (a breach exits 3), e.g. "ttft.p99 < 600ms". */
    thresholds: z.array(thresholdSchema).min(1).optional(),
    /** Failover routes: with these, the load drives the routes (each gets the full load) and targets serve as their hops. */
    failover: z.array(failoverSchema).min(1).optional(),
    /** reuse: keep-alive pools (handshakes paid once per connection); fresh: a new connection per request (handshakes inside TTFT). */
    connection: z.enum(['reuse', 'fresh']).default('reuse'),
  })
  .superRefine(scenarioRules, evenWithIssues);

/** Scenario is a validated scenario with defaults filled, durations in milliseconds, and `workloads` always set. */
export type Scenario = Omit<z.output<typeof scenarioSchema>, 'workload' | 'workloads'> & { workloads: Workload[] };

/** normalizeScenario turns the schema's output into a Scenario: a single `workload` becomes a one-item `workloads`. */
export function normalizeScenario(s: z.output<typeof scenarioSchema>): Scenario {
  const { workload, workloads, ...rest } = s;
  return { ...rest, workloads: workloads ?? [workload ?? workloadSchema.parse({})] };
}
export type Target = z.output<typeof targetSchema>;
export type MockProfile = z.output<typeof mockProfileSchema>;
export type Workload = z.output<typeof workloadSchema>;
export type Fault = z.output<typeof faultSchema>;
export type FailoverRoute = z.output<typeof failoverSchema>;
export type Budget = z.output<typeof budgetSchema>;
export type Load = z.output<typeof loadSchema>;
export type Timeouts = z.output<typeof timeoutsSchema>;
export type Sweep = z.output<typeof sweepSchema>;
export type Dataset = z.output<typeof datasetSchema>;
export type Route = z.output<typeof routeSchema>;

// A default filled after the rules goes back to its field's place: the validated scenario (written to summary.json)
// lists its keys in the schema's order, as when zod filled every default.
function inShapeOrder<T extends object>(shape: object, o: T): T {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(shape)) if (k in o) out[k] = (o as Record<string, unknown>)[k];
  return out as T;
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
