import type { RunSummary } from '../summary/run-summary.js';
import { consoleText } from './columns.js';
import { COST_COLUMNS } from './cost-columns.js';
import { DECISION_COLUMNS } from './decision-columns.js';

/** decisionTable is the bake-off's bottom line: latency, errors and money per target, and the cheapest one meeting the SLO. */
export function decisionTable(s: RunSummary, width?: number): string {
  const d = s.decision!;
  const tied = d.tiedWith?.length ? ` (within 1% on cost of ${d.tiedWith.join(', ')}; the fastest by TTFT p99 over all requests)` : '';
  const verdict = d.cheapestMeetingSlo
    ? `cheapest target meeting the SLO: ${d.cheapestMeetingSlo}${tied}`
    : 'no priced target meets the SLO';
  const asOf = s.pricing ? ` (list prices as of ${s.pricing.asOf}; cost = tokens billed by the provider, at those prices)` : '';
  const notes = d.outputLengthNote ? [`NOTE: ${d.outputLengthNote}.`] : [];
  return [`decision:${asOf}`, consoleText(DECISION_COLUMNS, d.rows, s, width), ...notes, verdict].join('\n');
}

// costTable: what each target's traffic cost at list prices, and the part spent on failed requests.
export function costTable(groups: RunSummary['groups'], s: RunSummary, width?: number): string {
  return (
    `cost at list prices${s.pricing ? ` (as of ${s.pricing.asOf})` : ''}: billed tokens (2xx responses) × price; ` +
    '"failed requests" is what broken streams and retried attempts cost\n' +
    consoleText(COST_COLUMNS, groups, undefined, width)
  );
}
