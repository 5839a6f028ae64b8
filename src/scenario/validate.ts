import { z } from 'zod';
import { normalizeScenario, scenarioSchema, sweepSchema, type Scenario } from './schema.js';
import { isRecord, show } from './refine.js';
import { SWEEP_BESIDE_FAILOVER, TRACE_IN_SWEEP } from './scenario-rules.js';
import { suggest } from './suggest.js';

export { suggest };

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
    return rootProblem('the file is empty; a scenario needs name, targets and load (see docs/scenario.md and scenarios/quickstart.yaml)');
  if (!isRecord(doc))
    return rootProblem(`is ${typeName(doc)}, not a scenario; a scenario is a mapping with name, targets and load (see docs/scenario.md)`);
  const parsed = scenarioSchema.safeParse(doc);
  if (parsed.success) return { ok: true, scenario: normalizeScenario(parsed.data) };
  return { ok: false, problems: problemsOf(parsed.error, doc) };
}

function rootProblem(message: string): Validation {
  return { ok: false, problems: [{ path: '(root)', message }] };
}

/**
 * sweepOverrideProblems checks a sweep given outside the file (`run --sweep`) against a validated scenario, by the same
 * rules as a sweep block in it.
 */
export function sweepOverrideProblems(s: Scenario, sweep: Record<string, unknown>): Problem[] {
  const parsed = sweepSchema.safeParse(sweep);
  const out = parsed.success ? [] : problemsOf(parsed.error, sweep).map((p) => ({ ...p, path: `sweep.${p.path}` }));
  if (s.load.trace !== undefined) out.push({ path: 'sweep', message: TRACE_IN_SWEEP });
  if (s.failover) out.push({ path: 'failover', message: SWEEP_BESIDE_FAILOVER });
  return out;
}

/** formatPath renders ["targets", 1, "baseUrl"] as `targets[1].baseUrl`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(root)';
}

// zod's issues as problems: the field's own checks first, then the rules between fields, each problem once.
function problemsOf(error: z.ZodError, doc: unknown): Problem[] {
  const isRule = (i: z.core.$ZodIssue) => i.code === 'custom' && i.params?.crossField === true;
  const issues = [...error.issues.filter((i) => !isRule(i)), ...error.issues.filter(isRule)];
  const seen = new Set<string>();
  return issues
    .flatMap((i) => toProblems(i, doc))
    .filter((p) => {
      const k = `${p.path}\u0000${p.message}`;
      return !seen.has(k) && Boolean(seen.add(k));
    });
}

function toProblems(issue: z.core.$ZodIssue, doc: unknown): Problem[] {
  const where = formatPath(issue.path);
  const value = valueAt(doc, issue.path);
  const one = (message: string) => [{ path: where, message }];
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((k) => unknownKey(issue.path, k, value));
    case 'invalid_union':
      return unionProblems(issue, doc, value);
    case 'invalid_value':
      return one(`${show(value)} is not one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`);
    case 'invalid_type': {
      const expected = issue.expected === 'int' ? 'a whole number' : issue.expected;
      if (value === undefined) return one(`is required (${expected})`);
      // A message written in the schema (it does not start with zod's "Invalid input") carries a hint: keep it.
      if (!issue.message.startsWith('Invalid input')) return one(issue.message);
      return one(`expected ${expected}, got ${typeName(value)} ${show(value)}`);
    }
    case 'too_small':
      if (issue.origin === 'array') return one(issue.message);
      if (issue.origin === 'string') return one(issue.message.startsWith('Too small') ? 'must not be empty' : issue.message);
      return one(`must be ${issue.inclusive ? '≥' : '>'} ${String(issue.minimum)}, got ${show(value)}`);
    case 'too_big':
      return one(`must be ${issue.inclusive ? '≤' : '<'} ${String(issue.maximum)}, got ${show(value)}`);
    default:
      return one(issue.message);
  }
}

// An unknown key: a parameter another distribution takes, or a misspelling of a key allowed here.
function unknownKey(path: readonly PropertyKey[], key: string, value: unknown): Problem {
  const at = formatPath([...path, key]);
  const dist = isRecord(value) && typeof value.dist === 'string' ? value.dist : undefined;
  const known = keysAt(path, dist);
  if (dist !== undefined && keysAt(path).includes(key))
    return { path: at, message: `is not a parameter of dist ${dist} (allowed: ${known.join(', ')})` };
  const hint = suggest(key, known);
  return {
    path: at,
    message: `unknown key${hint ? ` (did you mean "${hint}"?)` : known.length ? `; allowed here: ${known.join(', ')}` : ''}`,
  };
}

function unionProblems(issue: z.core.$ZodIssueInvalidUnion, doc: unknown, value: unknown): Problem[] {
  const path = issue.path;
  // A discriminated union whose tag matched nothing (e.g. dist: gauss): name the valid tags.
  const { discriminator, options } = issue as { discriminator?: string; options?: unknown[] };
  if (discriminator !== undefined) {
    const tags = Array.isArray(options) ? options.map((t) => JSON.stringify(String(t))) : [];
    const tagPath = path[path.length - 1] === discriminator ? path : [...path, discriminator];
    return [{ path: formatPath(tagPath), message: `${show(valueAt(doc, tagPath))} is not one of ${tags.join(', ')}` }];
  }
  // Report the branch that came closest (fewest issues, no type mismatch at its root).
  const best = issue.errors
    .filter((b) => b.length > 0 && !b.some((i) => i.code === 'invalid_type' && i.path.length === 0))
    .sort((a, b) => a.length - b.length)[0];
  if (best) return best.flatMap((i) => toProblems({ ...i, path: [...path, ...i.path] } as z.core.$ZodIssue, doc));
  const where = formatPath(path);
  return [{ path: where, message: `${show(value)} is not valid here; ${unionHint(where)}` }];
}

function unionHint(where: string): string {
  if (/Ms$|promptTokens|outputTokens/.test(where))
    return (
      'write a number, or a distribution such as { dist: normal, mean: 120, stddev: 15 } ' +
      '(dist: fixed, uniform, normal, lognormal, exponential)'
    );
  if (where.endsWith('warmup')) return 'write a duration such as "5s" or a request count such as 10';
  return 'see the scenario reference in docs/scenario.md';
}

// The keys the scenario schema allows at a path, through its public API. For a distribution, only the branch its
// `dist` names counts (uniform does not allow `mean`); without one, the keys of every object branch.
function keysAt(path: readonly PropertyKey[], dist?: string): string[] {
  let s = unwrap(scenarioSchema);
  for (const p of path) {
    if (s instanceof z.ZodArray && typeof p === 'number') s = unwrap(s.element as z.ZodType);
    else if (s instanceof z.ZodObject && typeof p === 'string') s = unwrap(s.shape[p] as z.ZodType | undefined);
    else return [];
  }
  const branches = objectBranches(s).filter((o) => {
    const tag = o.shape.dist;
    return dist === undefined || !(tag instanceof z.ZodLiteral) || tag.value === dist;
  });
  return [...new Set(branches.flatMap((o) => Object.keys(o.shape)))];
}

function objectBranches(s: z.ZodType | undefined): z.ZodObject[] {
  if (s instanceof z.ZodObject) return [s];
  if (s instanceof z.ZodUnion) return (s.options as z.ZodType[]).flatMap((o) => objectBranches(unwrap(o)));
  return [];
}

// The schema under optional(), default(), prefault(), nullable() and a transform's pipe.
function unwrap(s: z.ZodType | undefined): z.ZodType | undefined {
  for (;;) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodPrefault || s instanceof z.ZodNullable)
      s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodPipe) s = s.in as z.ZodType;
    else return s;
  }
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
