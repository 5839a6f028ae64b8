/** ENCODINGS are the BPE encodings prompts are made and counted in: o200k_base (GPT-4o family) and cl100k_base (GPT-4/3.5). */
export const ENCODINGS = ['o200k_base', 'cl100k_base'] as const;
export type EncodingName = (typeof ENCODINGS)[number];
