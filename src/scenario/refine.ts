import type { z } from 'zod';

// Cross-field rules run as zod refinements on the object that holds the fields they compare. Zod
// skips a refinement once any field of its object failed; a user fixing a file one error per run
// would give up, so each rule runs whenever its object is an object, and reads only the fields
// that parsed (parsedAt): the rest are already reported.

/** RefineCtx is what a rule gets from zod: the parsed value, the issues so far, and addIssue. */
export type RefineCtx = z.core.$RefinementCtx<unknown>;

/** evenWithIssues runs a refinement whenever its value is an object, whatever its fields' issues. */
export const evenWithIssues = {
  when: (p: z.core.ParsePayload): boolean => !p.issues.some((i) => !i.path?.length && i.code !== 'unrecognized_keys'),
};

/**
 * parsedAt tells whether the value at a path (relative to the refined object) parsed: no issue lies inside it, and
 * none above it but an unknown key (which leaves the known fields typed).
 */
export function parsedAt(ctx: RefineCtx, path: readonly PropertyKey[]): boolean {
  return !ctx.issues.some((i) => {
    if (i.code === 'custom' && i.params?.crossField) return false; // a rule's finding leaves the value typed
    const at = i.path ?? [];
    for (let k = 0; k < Math.min(at.length, path.length); k++) if (at[k] !== path[k]) return false;
    return at.length >= path.length || i.code !== 'unrecognized_keys';
  });
}

/** report adds one problem at a path relative to the refined object, with the message as the user reads it. */
export function report(ctx: RefineCtx, path: readonly PropertyKey[], message: string): void {
  ctx.addIssue({ code: 'custom', path: [...path], message, input: undefined, params: { crossField: true } });
}

/**
 * isRecord tells a mapping from null, arrays and scalars: a rule reads a field that failed as the user wrote it.
 */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** numbersIn lists the numbers among a value's items (a rule reads what the user wrote, so anything may be there). */
export function numbersIn(xs: unknown): number[] {
  return Array.isArray(xs) ? xs.filter((x): x is number => typeof x === 'number') : [];
}

/**
 * largestParam is the largest value a number or a distribution's location and bound parameters name (not its spread).
 */
export function largestParam(d: unknown): number | undefined {
  if (typeof d === 'number') return d;
  if (!isRecord(d)) return undefined;
  const xs = [...numbersIn(['value', 'min', 'max', 'mean', 'median'].map((k) => d[k])), ...numbersIn(d.values)];
  return xs.length ? Math.max(...xs) : undefined;
}

/** enUs writes a count with thousands separators, as every limit in a message is written. */
export function enUs(n: number): string {
  return n.toLocaleString('en-US');
}

/** show quotes a value for an error message, shortened so a pasted blob cannot flood the terminal. */
export function show(v: unknown): string {
  const s = typeof v === 'string' ? JSON.stringify(v) : v === undefined ? 'nothing' : (JSON.stringify(v) ?? String(v));
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}
