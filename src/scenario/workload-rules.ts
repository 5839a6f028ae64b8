import { DEFAULT_PROMPT_TOKENS, MAX_TOKENS_PER_REQUEST } from './limits.js';
import { enUs, isRecord, largestParam, numbersIn, report, type RefineCtx } from './refine.js';

/**
 * workloadRules: the shared prefix fits in the shortest prompt, draws stay under any model's limit, and a dataset
 * brings its own prompts.
 */
export function workloadRules(w: Record<string, unknown>, ctx: RefineCtx): void {
  // The prefix is part of the prompt: it cannot be longer than the shortest prompt that may be drawn.
  const p = w.promptTokens;
  const shortest = p === undefined ? DEFAULT_PROMPT_TOKENS : typeof p === 'number' ? p : isRecord(p) ? lowestDraw(p) : undefined;
  if (typeof w.sharedPrefixTokens === 'number' && shortest !== undefined && w.sharedPrefixTokens > shortest) {
    const which = p === undefined ? ', the default' : typeof p === 'number' ? '' : ', its shortest draw';
    report(
      ctx,
      ['sharedPrefixTokens'],
      `${w.sharedPrefixTokens} is longer than promptTokens (${shortest}${which}); the prefix is part of the prompt`,
    );
  }
  for (const k of ['promptTokens', 'maxTokens']) {
    const big = isRecord(w[k]) ? largestParam(w[k]) : undefined;
    if (big !== undefined && big > MAX_TOKENS_PER_REQUEST)
      report(ctx, [k], `draws up to ${enUs(big)} tokens, more than any model takes or gives (at most ${enUs(MAX_TOKENS_PER_REQUEST)})`);
  }
  if (w.dataset !== undefined && (w.promptTokens !== undefined || w.sharedPrefixTokens !== undefined))
    report(ctx, ['dataset'], 'takes its prompts from the file; remove promptTokens and sharedPrefixTokens');
}

// The smallest value a distribution can draw, when it has one (a number, fixed, uniform, empirical, or a min bound).
function lowestDraw(d: Record<string, unknown>): number | undefined {
  if (d.dist === 'fixed' && typeof d.value === 'number') return d.value;
  if (d.dist === 'uniform' && typeof d.min === 'number') return d.min;
  const values = numbersIn(d.values);
  if (d.dist === 'empirical' && Array.isArray(d.values) && values.length === d.values.length) return Math.min(...values);
  return typeof d.min === 'number' ? d.min : undefined;
}
