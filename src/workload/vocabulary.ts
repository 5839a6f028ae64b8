import type { Tokenizer } from './tokenizer.js';

// Common lowercase English words. Only those that are one token both alone and after a space in
// the chosen encoding are kept (see singleTokenWords), which makes synthetic text token-exact:
// BPE pre-tokenisation splits "w1 w2 w3" into "w1", " w2", " w3", so N such words are N tokens.
const WORDS = `the of and to in is that for it as was with be by on not he this are or his from at
which but have an they you were her she there been one all we their has would when if so no will
out up into do can more other its what time about than some them only new may could first then
these also two any like our most over after such where many between through years much each made
people system work state water world life day year part number way great under city long still
back high small large same general end public national order power point program case group
country history house government service light model data market energy value level form plan
report study field line place area family music story river north south east west road garden
paper table window stone cloud green blue yellow black white bright quiet simple clear early late
morning evening winter summer spring autumn forest mountain ocean island valley bridge tower
street school market office doctor teacher student writer painter farmer builder driver worker
question answer reason result effect change method process problem solution design pattern
network signal memory engine module server client request response latency region provider
travel journey letter message picture window kitchen bottle basket candle circle square corner
silver golden wooden gentle careful honest modern ancient famous useful common special final`;

/** singleTokenWords returns the words that encode to exactly one token with and without a leading space. */
export function singleTokenWords(tok: Tokenizer): string[] {
  const seen = new Set<string>();
  for (const w of WORDS.split(/\s+/)) {
    if (w && tok.encode(w).length === 1 && tok.encode(` ${w}`).length === 1) seen.add(w);
  }
  return [...seen];
}
