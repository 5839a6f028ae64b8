import fc from 'fast-check';

// Random mutations of a scenario document, for fuzzing the loader (test/unit/scenario-fuzz.test.ts,
// test/cli/scenario-fuzz-cli.test.ts).

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Step = { at: number; op: 'delete' | 'replace' | 'rename' | 'add' | 'empty' | 'double'; value: Json; name: string };

// Values a user (or a bad template) could put anywhere.
export const absurd = fc.oneof(
  fc.constantFrom<Json>(
    0,
    -1,
    1e12,
    -1e12,
    1e308,
    0.5,
    2 ** 53 + 1,
    '',
    ' ',
    '0s',
    '-1s',
    '100000h',
    '1e12ms',
    'NaN',
    'Infinity',
    '1000000',
    '10%',
    '999%',
    'null',
    '${OPENAI_API_KEY}',
    'http://',
    'ftp://x',
    'x'.repeat(10_000),
    '🚀',
    true,
    false,
    null,
    [],
    {},
    [[]],
    { '': null },
  ),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
  fc.integer(),
  fc.double(),
  fc.string(),
);
export const steps = fc.array(
  fc.record({
    at: fc.nat(),
    op: fc.constantFrom<Step['op']>('delete', 'replace', 'replace', 'replace', 'rename', 'add', 'empty', 'double'),
    value: absurd,
    name: fc.oneof(
      fc.constantFrom(
        'name',
        'targets',
        'load',
        'rate',
        'concurrency',
        'duration',
        'maxTokens',
        'model',
        'baseUrl',
        'chain',
        '__proto__',
        'constructor',
      ),
      fc.string({ maxLength: 12 }),
    ),
  }),
  { minLength: 1, maxLength: 4 },
);

// Every place in a document a mutation can land: [container, key] pairs.
export function places(doc: Json): [Json[] | Record<string, Json>, string | number][] {
  const out: [Json[] | Record<string, Json>, string | number][] = [];
  const walk = (v: Json) => {
    if (Array.isArray(v))
      for (const [i, x] of v.entries()) {
        out.push([v, i]);
        walk(x);
      }
    else if (v && typeof v === 'object')
      for (const k of Object.keys(v)) {
        out.push([v, k]);
        walk(v[k]!);
      }
  };
  walk(doc);
  return out;
}

export function mutate(doc: Json, step: Step): Json {
  const all = places(doc);
  if (!all.length) return step.value;
  const [box, key] = all[step.at % all.length]!;
  const cur = (box as Record<string | number, Json>)[key]!;
  const set = (v: Json) => ((box as Record<string | number, Json>)[key] = v);
  switch (step.op) {
    case 'delete':
      if (Array.isArray(box)) box.splice(key as number, 1);
      else delete box[key as string];
      break;
    case 'replace':
      set(step.value);
      break;
    case 'rename':
      if (!Array.isArray(box)) {
        delete box[key as string];
        box[`${String(key)}${step.name}`] = cur;
      }
      break;
    case 'add':
      if (Array.isArray(box)) box.push(step.value);
      else Object.defineProperty(box, step.name, { value: step.value, enumerable: true, writable: true, configurable: true });
      break;
    case 'empty':
      set(Array.isArray(cur) ? [] : cur && typeof cur === 'object' ? {} : '');
      break;
    case 'double':
      if (Array.isArray(cur)) set([...cur, ...(JSON.parse(JSON.stringify(cur)) as Json[])]);
      break;
  }
  return doc;
}
