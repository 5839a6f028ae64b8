/** MAX_TIMER_MS is the longest wait a Node.js timer can make (2³¹−1 ms, ~24.8 days): a longer one fires at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * MAX_TOKENS_PER_REQUEST bounds prompt and output token counts: no model comes near it, and a larger one would only
 * allocate text nobody can send.
 */
export const MAX_TOKENS_PER_REQUEST = 1_000_000;

/** DEFAULT_PROMPT_TOKENS is a workload's prompt length when it sets none (the cross-field rules name it as the default). */
export const DEFAULT_PROMPT_TOKENS = 128;
