/**
 * SearchState is one target's search for the highest level meeting the SLO: the highest level seen to meet it and the
 * lowest seen to fail (null: none yet). Levels are assumed monotone: one that meets the SLO says every lower one does.
 */
export interface SearchState {
  pass: number | null;
  fail: number | null;
}

/** SearchBounds are a search's limits: it starts at `from` and never asks for more than `to`. */
export interface SearchBounds {
  from: number;
  to: number;
}

/**
 * nextLevel is the level a target's search wants next, or null when it is over: `from` first; while every level tried
 * met the SLO, twice the highest (capped at `to`); once one failed, the whole level halfway between the highest that
 * met it and the lowest that failed. Over when `from` failed (none meets it), `to` met it, or the two are one apart.
 */
export function nextLevel(st: SearchState, b: SearchBounds): number | null {
  if (st.pass === null) return st.fail === null ? b.from : null;
  if (st.fail === null) return st.pass >= b.to ? null : Math.min(b.to, st.pass * 2);
  return st.fail - st.pass <= 1 ? null : Math.floor((st.pass + st.fail) / 2);
}

/**
 * observe takes a level's verdict into a target's search. A verdict the search already knows the answer to (a pass at
 * or above a failed level, a failure at or below a passed one: noise, as a level near the edge may go either way) is
 * not allowed to undo what is known.
 */
export function observe(st: SearchState, level: number, met: boolean): void {
  if (met) {
    if (st.fail === null || level < st.fail) st.pass = Math.max(st.pass ?? level, level);
  } else if (st.pass === null || level > st.pass) st.fail = Math.min(st.fail ?? level, level);
}

/**
 * nextSharedLevel is the level the next pass runs every target at: the lowest any unfinished search wants (each pass
 * measures every target, so a level one target asks for also informs the others it falls between). Null: every search
 * is over.
 */
export function nextSharedLevel(states: readonly SearchState[], b: SearchBounds): number | null {
  let next: number | null = null;
  for (const st of states) {
    const want = nextLevel(st, b);
    if (want !== null && (next === null || want < next)) next = want;
  }
  return next;
}
