import type { z } from 'zod';
import { MAX_TOKENS_PER_REQUEST, normalizeScenario, scenarioSchema, show, type Scenario } from './schema.js';
import { parseThreshold } from './threshold.js';
import { isSecretName } from './secrets.js';
import { PRESETS, type ProviderName } from './providers.js';

/** Problem is one thing wrong with a scenario, at a path such as `targets[1].baseUrl`. */
export interface Problem {
  path: string;
  message: string;
}

export type Validation = { ok: true; scenario: Scenario } | { ok: false; problems: Problem[] };

/**
 * validateScenario checks a parsed scenario document and collects every problem at once
 * (a user fixing a file one error per run would give up), each with its path and a hint.
 */
export function validateScenario(doc: unknown): Validation {
  if (doc === null || doc === undefined)
    return {
      ok: false,
      problems: [
        {
          path: '(root)',
          message: 'the file is empty; a scenario needs name, targets and load (see docs/scenario.md and scenarios/quickstart.yaml)',
        },
      ],
    };
  if (!isRecord(doc))
    return {
      ok: false,
      problems: [
        {
          path: '(root)',
          message: `is ${typeName(doc)}, not a scenario; a scenario is a mapping with name, targets and load (see docs/scenario.md)`,
        },
      ],
    };
  const problems: Problem[] = [];
  const parsed = scenarioSchema.safeParse(doc);
  if (!parsed.success) problems.push(...parsed.error.issues.flatMap((i) => toProblems(i, doc)));
  problems.push(...crossFieldProblems(doc));
  const unique = dedupe(problems);
  if (unique.length > 0 || !parsed.success) return { ok: false, problems: unique };
  return { ok: true, scenario: normalizeScenario(parsed.data) };
}

/** formatPath renders ["targets", 1, "baseUrl"] as `targets[1].baseUrl`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(root)';
}

// Rules that span fields. They read the raw document so they report even when the schema failed.
function crossFieldProblems(doc: unknown): Problem[] {
  const out: Problem[] = [];
  if (!isRecord(doc)) return out;
  const targets = Array.isArray(doc.targets) ? doc.targets : [];
  const seen = new Map<string, number>();
  targets.forEach((t, i) => {
    if (!isRecord(t)) return;
    // A target needs somewhere to send: its baseUrl, its preset's URL, or a mock (which, beside a
    // real URL, is the target's offline stand-in under --mock).
    const presetUrl = typeof t.provider === 'string' && t.provider in PRESETS ? PRESETS[t.provider as ProviderName].baseUrl : undefined;
    if (t.baseUrl === undefined && t.mock === undefined && presetUrl === undefined) {
      out.push({
        path: `targets[${i}]`,
        message:
          'needs baseUrl (e.g. "https://api.openai.com/v1"), a provider preset with a URL (openai, anthropic, gemini, deepseek-global), or mock (e.g. { ttftMs: 200 })',
      });
    }
    out.push(...literalSecretProblems(t, `targets[${i}]`));
    if (typeof t.name === 'string') {
      const prev = seen.get(t.name);
      if (prev !== undefined)
        out.push({
          path: `targets[${i}].name`,
          message: `${show(t.name)} is already used by targets[${prev}]; target names must be unique`,
        });
      else seen.set(t.name, i);
    }
  });
  targets.forEach((t, i) => {
    if (isRecord(t) && isRecord(t.mock)) out.push(...mockProblems(t.mock, `targets[${i}].mock`));
  });
  if (isRecord(doc.load)) out.push(...loadProblems(doc.load));
  if (isRecord(doc.sweep)) out.push(...sweepProblems(doc.sweep, isRecord(doc.load) ? doc.load : {}));
  out.push(...workloadProblems(doc));
  if (Array.isArray(doc.failover)) out.push(...failoverProblems(doc));
  if (Array.isArray(doc.slo))
    doc.slo.forEach((t, i) => {
      if (typeof t !== 'string') return;
      const parsed = parseThreshold(t);
      if ('error' in parsed) out.push({ path: `slo[${i}]`, message: parsed.error });
    });
  if (Array.isArray(doc.thresholds)) out.push(...thresholdProblems(doc, doc.thresholds));
  if (Array.isArray(doc.thresholds) && isRecord(doc.sweep))
    out.push({
      path: 'thresholds',
      message:
        'a capacity sweep judges each level by sweep.slo; thresholds judge a plain run: move these conditions to sweep.slo, or drop the sweep',
    });
  return out;
}

// Each threshold parses, and its filter names what the scenario has: a target, a region, a route
// (failover) or a workload. Failover times are measured on routes only.
function thresholdProblems(doc: Record<string, unknown>, list: unknown[]): Problem[] {
  const out: Problem[] = [];
  const targets = Array.isArray(doc.targets) ? doc.targets.filter(isRecord) : [];
  const names = (xs: unknown[], key: string, fallback?: string) => [
    ...new Set(
      xs
        .filter(isRecord)
        .map((x) => (typeof x[key] === 'string' ? x[key] : fallback))
        .filter((x): x is string => typeof x === 'string'),
    ),
  ];
  const known = {
    target: names(targets, 'name'),
    region: names(targets, 'region', 'default'),
    model: names(targets, 'model'),
    route: Array.isArray(doc.failover) ? names(doc.failover, 'name') : [],
    workload: Array.isArray(doc.workloads)
      ? names(doc.workloads, 'name', 'default')
      : [isRecord(doc.workload) && typeof doc.workload.name === 'string' ? doc.workload.name : 'default'],
  };
  list.forEach((t, i) => {
    const entry = typeof t === 'string' ? { check: t } : isRecord(t) ? t : null;
    if (!entry || typeof entry.check !== 'string') return; // the schema reports it
    const where = typeof t === 'string' ? `thresholds[${i}]` : `thresholds[${i}].check`;
    const parsed = parseThreshold(entry.check);
    if ('error' in parsed) return void out.push({ path: where, message: parsed.error });
    for (const key of ['target', 'region', 'model', 'route', 'workload'] as const) {
      const v = entry[key];
      if (typeof v !== 'string' || known[key].includes(v)) continue;
      const near = suggest(v, known[key]);
      const list = known[key].length
        ? `; the scenario's ${key}s: ${known[key].join(', ')}`
        : key === 'route'
          ? '; the scenario has no failover routes'
          : '';
      out.push({
        path: `thresholds[${i}].${key}`,
        message: `no ${key} named ${show(v)}${near ? ` (did you mean ${show(near)}?)` : ''}${list}`,
      });
    }
    const onRoutes = parsed.subject.kind === 'latency' && (parsed.subject.metric === 'failover' || parsed.subject.metric === 'timeLost');
    if (onRoutes && !known.route.length)
      out.push({
        path: where,
        message: `${parsed.source} is measured on failover routes, and the scenario has none (add a failover: block, or drop this threshold)`,
      });
    const byTarget = ['target', 'region', 'model'].some((k) => typeof entry[k] === 'string');
    if (onRoutes && byTarget)
      out.push({
        path: where,
        message: `${parsed.source} is measured on failover routes: filter it by route (or not at all), not by target, region or model`,
      });
    if (typeof entry.route === 'string' && byTarget)
      out.push({
        path: `thresholds[${i}]`,
        message: 'a route carries requests to several targets: give route, or target/region/model, not both',
      });
  });
  return out;
}

// The load block picks its model by which keys it sets; these rules keep one model per scenario.
function loadProblems(load: Record<string, unknown>): Problem[] {
  const out: Problem[] = [];
  const has = (k: string) => load[k] !== undefined;
  const stages = Array.isArray(load.stages) ? load.stages.filter(isRecord) : [];
  const stageRate = stages.some((s) => s.rate !== undefined);
  const stageConc = stages.some((s) => s.concurrency !== undefined);
  const open = has('rate') || stageRate || has('trace');
  const closed = has('concurrency') || stageConc;
  if (open && closed) {
    out.push({ path: 'load', message: 'mixes closed loop (concurrency) and open loop (rate, trace); choose one model' });
    return out;
  }
  if (!open && !closed) {
    out.push(
      stages.length
        ? {
            path: 'load.stages',
            message: 'each stage needs rate (open loop: arrivals per second) or concurrency (closed loop: virtual users)',
          }
        : { path: 'load', message: 'needs concurrency (closed loop, e.g. 8), rate (open loop, e.g. 20 per second), stages or trace' },
    );
    return out;
  }
  if (has('trace') && (has('rate') || has('stages')))
    out.push({ path: 'load.trace', message: 'replays its own arrival times; remove rate and stages' });
  stages.forEach((s, i) => {
    if ((s.rate === undefined) === (s.concurrency === undefined))
      out.push({
        path: `load.stages[${i}]`,
        message: open
          ? 'needs rate (arrivals per second at the end of the stage)'
          : 'needs concurrency (virtual users at the end of the stage)',
      });
  });
  if (has('stages') && has('duration'))
    out.push({ path: 'load.duration', message: 'the stages set the duration; remove duration (or the stages)' });
  if (closed && !has('stages') && !has('duration') && !has('requests'))
    out.push({ path: 'load', message: 'needs duration (e.g. "30s") or requests (e.g. 200) to know when to stop' });
  if (has('rate') && !has('stages') && !has('duration') && !has('requests'))
    out.push({ path: 'load', message: 'needs duration (e.g. "30s") or requests (e.g. 200) to know when to stop' });
  if (closed) {
    for (const k of ['maxInFlight', 'maxConnections', 'maxDispatchLag', 'arrivals', 'overflow'])
      if (has(k))
        out.push({ path: `load.${k}`, message: 'applies to the open loop (rate, trace) only; in a closed loop concurrency is the cap' });
  }
  return out;
}

// A credential written into the file: refused, with the way to name an environment variable instead.
function literalSecretProblems(t: Record<string, unknown>, path: string): Problem[] {
  const out: Problem[] = [];
  if (isRecord(t.headers))
    for (const name of Object.keys(t.headers))
      if (isSecretName(name))
        out.push({
          path: `${path}.headers.${name}`,
          message: `holds a credential in the scenario file; name an environment variable instead: ${/^authorization$/i.test(name) || /^x-api-key$/i.test(name) ? 'apiKeyEnv: OPENAI_API_KEY (the preset sends it the right way), or ' : ''}headersFromEnv: { ${name}: MY_KEY_VAR }`,
        });
  if (typeof t.baseUrl === 'string') {
    let u: URL | undefined;
    try {
      u = new URL(t.baseUrl);
    } catch {
      u = undefined;
    }
    if (u?.password)
      out.push({
        path: `${path}.baseUrl`,
        message: 'holds a password in the URL; name an environment variable instead (headersFromEnv: { authorization: MY_KEY_VAR })',
      });
    for (const k of u ? new Set(u.searchParams.keys()) : [])
      if (isSecretName(k))
        out.push({
          path: `${path}.baseUrl`,
          message: `holds a credential in its query (${k}=…); name an environment variable instead: queryFromEnv: { ${k}: MY_KEY_VAR }`,
        });
  }
  return out;
}

// A mock's latency past an hour would only stall the run (and a timer that long misfires).
const MAX_MOCK_MS = 3_600_000;

function mockProblems(mock: Record<string, unknown>, path: string): Problem[] {
  const out: Problem[] = [];
  const check = (d: unknown, where: string) => {
    const big = largestParam(d);
    if (big !== undefined && big > MAX_MOCK_MS)
      out.push({
        path: where,
        message: `${big.toLocaleString('en-US')} ms is more than an hour; a mock that slow only stalls the run (write e.g. 250)`,
      });
  };
  for (const k of ['rttMs', 'ttftMs', 'itlMs']) check(mock[k], `${path}.${k}`);
  if (Array.isArray(mock.faults)) mock.faults.forEach((f, j) => isRecord(f) && check(f.extraTtftMs, `${path}.faults[${j}].extraTtftMs`));
  for (const k of ['outputTokens', 'reasoningTokens']) {
    const big = largestParam(mock[k]);
    if (big !== undefined && big > MAX_TOKENS_PER_REQUEST)
      out.push({
        path: `${path}.${k}`,
        message: `${big.toLocaleString('en-US')} tokens is more than any model gives (at most ${MAX_TOKENS_PER_REQUEST.toLocaleString('en-US')})`,
      });
  }
  return out;
}

// The largest value a number or a distribution's location and bound parameters name (not its spread).
function largestParam(d: unknown): number | undefined {
  if (typeof d === 'number') return d;
  if (!isRecord(d)) return undefined;
  const xs = ['value', 'min', 'max', 'mean', 'median'].map((k) => d[k]).filter((x): x is number => typeof x === 'number');
  if (Array.isArray(d.values)) xs.push(...d.values.filter((x): x is number => typeof x === 'number'));
  return xs.length ? Math.max(...xs) : undefined;
}

function workloadProblems(doc: Record<string, unknown>): Problem[] {
  const out: Problem[] = [];
  if (doc.workload !== undefined && doc.workloads !== undefined)
    out.push({ path: 'workloads', message: 'set workload (one) or workloads (a weighted mix), not both' });
  const list = Array.isArray(doc.workloads)
    ? doc.workloads.map((w, i) => [`workloads[${i}]`, w] as const)
    : isRecord(doc.workload)
      ? [['workload', doc.workload] as const]
      : [];
  const names = new Map<string, string>();
  for (const [path, w] of list) {
    if (!isRecord(w)) continue;
    const name = typeof w.name === 'string' ? w.name : 'default';
    if (names.has(name))
      out.push({ path: `${path}.name`, message: `${show(name)} is already used by ${names.get(name)}; workload names must be unique` });
    else names.set(name, path);
    // The prefix is part of the prompt: it cannot be longer than the shortest prompt that may be drawn.
    const shortest =
      w.promptTokens === undefined
        ? 128
        : typeof w.promptTokens === 'number'
          ? w.promptTokens
          : isRecord(w.promptTokens)
            ? lowestDraw(w.promptTokens)
            : undefined;
    if (typeof w.sharedPrefixTokens === 'number' && shortest !== undefined && w.sharedPrefixTokens > shortest)
      out.push({
        path: `${path}.sharedPrefixTokens`,
        message: `${w.sharedPrefixTokens} is longer than promptTokens (${shortest}${w.promptTokens === undefined ? ', the default' : typeof w.promptTokens === 'number' ? '' : ', its shortest draw'}); the prefix is part of the prompt`,
      });
    for (const k of ['promptTokens', 'maxTokens']) {
      const big = isRecord(w[k]) ? largestParam(w[k]) : undefined;
      if (big !== undefined && big > MAX_TOKENS_PER_REQUEST)
        out.push({
          path: `${path}.${k}`,
          message: `draws up to ${big.toLocaleString('en-US')} tokens, more than any model takes or gives (at most ${MAX_TOKENS_PER_REQUEST.toLocaleString('en-US')})`,
        });
    }
    if (w.dataset !== undefined && (w.promptTokens !== undefined || w.sharedPrefixTokens !== undefined))
      out.push({ path: `${path}.dataset`, message: 'takes its prompts from the file; remove promptTokens and sharedPrefixTokens' });
  }
  if (Array.isArray(doc.routing)) {
    const targets = new Set(Array.isArray(doc.targets) ? doc.targets.filter(isRecord).map((t) => t.name) : []);
    doc.routing.forEach((r, i) => {
      if (isRecord(r) && typeof r.target === 'string' && !targets.has(r.target))
        out.push({
          path: `routing[${i}].target`,
          message: `${show(r.target)} is not a target of this scenario; use one of ${[...targets].map((t) => JSON.stringify(t)).join(', ')}`,
        });
    });
  }
  return out;
}

// The smallest value a distribution can draw, when it has one (a number, fixed, uniform, empirical, or a min bound).
function lowestDraw(d: Record<string, unknown>): number | undefined {
  if (d.dist === 'fixed' && typeof d.value === 'number') return d.value;
  if (d.dist === 'uniform' && typeof d.min === 'number') return d.min;
  if (d.dist === 'empirical' && Array.isArray(d.values) && d.values.every((v) => typeof v === 'number'))
    return Math.min(...(d.values as number[]));
  return typeof d.min === 'number' ? d.min : undefined;
}

function failoverProblems(doc: Record<string, unknown>): Problem[] {
  const out: Problem[] = [];
  const targets = new Set(Array.isArray(doc.targets) ? doc.targets.filter(isRecord).map((t) => t.name) : []);
  const names = new Map<string, number>();
  (doc.failover as unknown[]).forEach((r, i) => {
    if (!isRecord(r)) return;
    if (typeof r.name === 'string') {
      if (targets.has(r.name))
        out.push({
          path: `failover[${i}].name`,
          message: `${show(r.name)} is also a target name; routes and targets share one namespace in reports`,
        });
      if (names.has(r.name))
        out.push({ path: `failover[${i}].name`, message: `${show(r.name)} is already used by failover[${names.get(r.name)}]` });
      names.set(r.name, i);
    }
    if (Array.isArray(r.chain))
      r.chain.forEach((t, j) => {
        if (typeof t === 'string' && !targets.has(t))
          out.push({
            path: `failover[${i}].chain[${j}]`,
            message: `${show(t)} is not a target of this scenario; use one of ${[...targets].map((x) => JSON.stringify(x)).join(', ')}`,
          });
      });
  });
  if (doc.routing !== undefined)
    out.push({
      path: 'failover',
      message: 'cannot be combined with routing; route traffic through failover chains or by weight, not both',
    });
  if (doc.sweep !== undefined) out.push({ path: 'failover', message: SWEEP_BESIDE_FAILOVER });
  return out;
}

/**
 * sweepOverrideProblems checks a sweep given outside the file (`run --sweep`) against a validated scenario, by the same
 * rules as a sweep block in it.
 */
export function sweepOverrideProblems(s: Scenario, sweep: Record<string, unknown>): Problem[] {
  const out = sweepProblems(sweep, s.load);
  if (s.failover) out.push({ path: 'failover', message: SWEEP_BESIDE_FAILOVER });
  return out;
}

const SWEEP_BESIDE_FAILOVER = 'cannot be combined with a sweep (yet); run the drill at one load level';

function sweepProblems(sweep: Record<string, unknown>, load: Readonly<Record<string, unknown>>): Problem[] {
  const out: Problem[] = [];
  if (Array.isArray(sweep.slo))
    sweep.slo.forEach((t, i) => {
      if (typeof t !== 'string') return;
      const parsed = parseThreshold(t);
      if ('error' in parsed) out.push({ path: `sweep.slo[${i}]`, message: parsed.error });
    });
  const v = sweep.values;
  if (isRecord(v)) {
    if ((v.factor === undefined) === (v.step === undefined))
      out.push({ path: 'sweep.values', message: 'needs factor (e.g. 2: 1, 2, 4, 8…) or step (e.g. 5: 5, 10, 15…), not both' });
    if (typeof v.from === 'number' && typeof v.to === 'number' && v.to < v.from)
      out.push({ path: 'sweep.values.to', message: `must be ≥ from (${v.from})` });
  }
  if (load.trace !== undefined) out.push({ path: 'sweep', message: 'cannot step a trace replay; sweep a rate or a concurrency instead' });
  if (
    sweep.over === 'concurrency' &&
    Array.isArray(sweep.values) &&
    sweep.values.some((x) => typeof x === 'number' && !Number.isInteger(x))
  )
    out.push({ path: 'sweep.values', message: 'concurrency levels must be whole numbers' });
  return out;
}

function toProblems(issue: z.core.$ZodIssue, doc: unknown): Problem[] {
  const path = issue.path;
  const where = formatPath(path);
  const value = valueAt(doc, path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((k) => {
        const known = knownKeysOf(issue, value);
        if (isRecord(value) && typeof value.dist === 'string' && keysAtPath(scenarioSchema, issue.path).includes(k))
          return { path: formatPath([...path, k]), message: `is not a parameter of dist ${value.dist} (allowed: ${known.join(', ')})` };
        const hint = suggest(k, known);
        return {
          path: formatPath([...path, k]),
          message: `unknown key${hint ? ` (did you mean "${hint}"?)` : known.length ? `; allowed here: ${known.join(', ')}` : ''}`,
        };
      });
    case 'invalid_union': {
      // A discriminated union whose tag matched nothing (e.g. dist: gauss): name the valid tags.
      const disc = (issue as { discriminator?: string; options?: unknown[] }).discriminator;
      if (disc !== undefined) {
        const tags = discriminatorValues(issue);
        const tagPath = path[path.length - 1] === disc ? path : [...path, disc];
        const tag = valueAt(doc, tagPath);
        return [{ path: formatPath(tagPath), message: `${show(tag)} is not one of ${tags.map((t) => JSON.stringify(t)).join(', ')}` }];
      }
      // Report the branch that came closest (fewest issues, no type mismatch at its root).
      const branches = issue.errors.filter((b) => b.length > 0);
      const best = branches
        .filter((b) => !b.some((i) => i.code === 'invalid_type' && i.path.length === 0))
        .sort((a, b) => a.length - b.length)[0];
      if (best) return best.flatMap((i) => toProblems({ ...i, path: [...path, ...i.path] } as z.core.$ZodIssue, doc));
      return [{ path: where, message: `${show(value)} is not valid here; ${unionHint(where)}` }];
    }
    case 'invalid_value':
      if ('values' in issue && Array.isArray(issue.values))
        return [{ path: where, message: `${show(value)} is not one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` }];
      return [{ path: where, message: issue.message }];
    case 'invalid_type': {
      const expected = issue.expected === 'int' ? 'a whole number' : issue.expected;
      if (value === undefined) return [{ path: where, message: `is required (${expected})` }];
      // A message written in the schema (it does not start with zod's "Invalid input") carries a hint: keep it.
      if (!issue.message.startsWith('Invalid input')) return [{ path: where, message: issue.message }];
      return [{ path: where, message: `expected ${expected}, got ${typeName(value)} ${show(value)}` }];
    }
    case 'too_small':
      if (issue.origin === 'array') return [{ path: where, message: issue.message }];
      if (issue.origin === 'string')
        return [{ path: where, message: issue.message.startsWith('Too small') ? 'must not be empty' : issue.message }];
      return [{ path: where, message: `must be ${issue.inclusive ? '≥' : '>'} ${String(issue.minimum)}, got ${show(value)}` }];
    case 'too_big':
      return [{ path: where, message: `must be ${issue.inclusive ? '≤' : '<'} ${String(issue.maximum)}, got ${show(value)}` }];
    default:
      if (issue.code === 'invalid_format' && issue.format === 'regex') return [{ path: where, message: issue.message }];
      return [{ path: where, message: issue.message }];
  }
}

function unionHint(where: string): string {
  if (/Ms$|promptTokens|outputTokens/.test(where))
    return 'write a number, or a distribution such as { dist: normal, mean: 120, stddev: 15 } (dist: fixed, uniform, normal, lognormal, exponential)';
  if (where.endsWith('warmup')) return 'write a duration such as "5s" or a request count such as 10';
  return 'see the scenario reference in docs/scenario.md';
}

// The keys the schema allows where an unknown key was found, by walking its object shapes.
// For a distribution, only the branch its `dist` names counts (uniform does not allow `mean`).
function knownKeysOf(issue: z.core.$ZodIssue, value: unknown): string[] {
  const dist = isRecord(value) && typeof value.dist === 'string' ? value.dist : undefined;
  return keysAtPath(scenarioSchema, issue.path, dist);
}

// The literal values a discriminated union accepts for its tag.
function discriminatorValues(issue: z.core.$ZodIssue): string[] {
  const options = (issue as { options?: unknown[] }).options;
  return Array.isArray(options) ? options.map(String) : [];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function keysAtPath(schema: any, path: readonly PropertyKey[], dist?: string): string[] {
  let s = unwrap(schema);
  for (const p of path) {
    if (!s) return [];
    const def = s._zod.def;
    if (def.type === 'array' && typeof p === 'number') s = unwrap(def.element);
    else if (def.type === 'object' && typeof p === 'string') s = unwrap(def.shape[p]);
    else return [];
  }
  if (!s) return [];
  if (s._zod.def.type === 'object') return Object.keys(s._zod.def.shape);
  // Unions (distributions, warmup): the keys of every object branch.
  if (s._zod.def.type === 'union') {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const options: any[] = s._zod.def.options.flatMap((o: any) =>
      unwrap(o)?._zod.def.type === 'union' ? unwrap(o)._zod.def.options : [o],
    );
    const matching = options.filter((o) => {
      const tag = unwrap(o)?._zod.def.shape?.dist?._zod.def.values?.[0];
      return dist === undefined || tag === undefined || tag === dist;
    });
    return [...new Set<string>(matching.flatMap((o) => keysAtPath(o, [])))];
  }
  return [];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function unwrap(s: any): any {
  while (s && ['optional', 'default', 'pipe', 'nullable', 'prefault'].includes(s._zod?.def?.type)) {
    const d = s._zod.def;
    s = d.type === 'pipe' ? d.in : d.innerType;
  }
  return s;
}

/** suggest returns the known key closest to a misspelt one (edit distance ≤ 2, or same letters in another case). */
export function suggest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    if (k === key) continue;
    const d = k.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return bestD <= 2 ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}

function valueAt(doc: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = doc;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function dedupe(ps: Problem[]): Problem[] {
  const seen = new Set<string>();
  return ps.filter((p) => {
    const k = `${p.path}\u0000${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
