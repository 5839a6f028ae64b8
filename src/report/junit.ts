import type { RunSummary } from '../summary/run-summary.js';
import { checkValue } from './console-thresholds.js';

/**
 * renderJunit is junit.xml: one test case per threshold check (and one for the run's validity),
 * so a CI system that reads JUnit (GitHub Actions reporters, GitLab, Jenkins) shows which
 * condition failed on what. A breach is a <failure>; an invalid run makes every check an <error>
 * (not judged: the numbers are the generator's too).
 */
export function renderJunit(s: RunSummary): string {
  const scenario = (s.scenario as { name?: string } | null)?.name ?? 'run';
  const cases: string[] = [];
  const validity = s.validity.valid
    ? ''
    : `\n      <error message="${xml(`invalid run: ${s.validity.reasons.join('; ')}`)}" type="invalid-run"/>`;
  cases.push(
    `    <testcase classname="${xml(scenario)}" name="run is valid (the numbers are the targets')" time="${seconds(s.durationMs)}">` +
      `${validity}${validity ? '\n    ' : ''}</testcase>`,
  );
  let failures = 0;
  let errors = s.validity.valid ? 0 : 1;
  for (const c of s.thresholds?.checks ?? []) {
    const name = `${c.threshold} on ${c.on}`;
    const noData = c.actual === null && !c.beyondSuccesses ? ' (no data)' : '';
    const detail = `actual ${checkValue(c)}${noData}, condition ${c.threshold}`;
    let body = '';
    if (!s.thresholds!.evaluated) {
      errors++;
      body = `\n      <error message="${xml(`not judged: the run is invalid; ${detail}`)}" type="not-judged"/>\n    `;
    } else if (!c.pass) {
      failures++;
      body = `\n      <failure message="${xml(detail)}" type="threshold"/>\n    `;
    }
    cases.push(`    <testcase classname="${xml(scenario)}.thresholds" name="${xml(name)}" time="0">${body}</testcase>`);
  }
  const tests = cases.length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="llm-bakeoff" tests="${tests}" failures="${failures}" errors="${errors}" time="${seconds(s.durationMs)}">`,
    `  <testsuite name="${xml(scenario)}" tests="${tests}" failures="${failures}" errors="${errors}" skipped="0" ` +
      `timestamp="${xml(s.startedAt)}" time="${seconds(s.durationMs)}">`,
    '    <properties>',
    `      <property name="runId" value="${xml(s.runId)}"/>`,
    `      <property name="status" value="${xml(s.status)}"/>`,
    `      <property name="stopReason" value="${xml(s.stopReason)}"/>`,
    '    </properties>',
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

// XML attribute text: the five escapes, and no control characters (which XML 1.0 forbids).
function xml(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\n/g, '&#10;');
}
