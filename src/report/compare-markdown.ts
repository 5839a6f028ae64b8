import type { Comparison } from '../summary/compare.js';
import { ciCell, confidenceLabel, deltaCell, groupTitle, methodLines, metricLabel, relCell, sentence, valueCell } from './compare-cells.js';
import { verdictLines } from './compare-console.js';

/**
 * compareMarkdown renders a comparison as GitHub-flavoured markdown, for a pull request or a CI
 * job summary: the sides, the method, one table per group, and the verdict.
 */
export function compareMarkdown(c: Comparison): string {
  const conf = confidenceLabel(c);
  const side = (s: Comparison['baseline']) => (c.mode === 'targets' ? `target \`${s.label}\`` : `\`${s.file}\` (run ${s.runId})`);
  const out: string[] = [
    `## bakeoff compare: ${c.mode === 'targets' ? `${c.current.label} vs ${c.baseline.label}` : 'current vs baseline'}`,
    '',
    ...(c.mode === 'targets' ? [`- run: \`${c.baseline.file}\` (run ${c.baseline.runId})`] : []),
    `- baseline: ${side(c.baseline)}`,
    `- current: ${side(c.current)}`,
    ...methodLines(c).map((l) => `- ${l}`),
    ...c.warnings.map((w) => `- **WARNING**: ${esc(w)}`),
  ];
  const top = c.mode === 'targets' ? c.groups.find((g) => g.scope === 'target' || g.scope === 'route') : undefined;
  if (top)
    out.push(
      '',
      ...top.metrics
        .filter((m) => m.gated || m.metric === 'requestsPerSec')
        .map((m) => `- ${esc(sentence(m, c.current.label, c.baseline.label))}`),
    );
  const [b, cu] = c.mode === 'targets' ? [c.baseline.label, c.current.label] : ['baseline', 'current'];
  for (const g of c.groups) {
    out.push(
      '',
      `### ${esc(groupTitle(c, g))}`,
      '',
      `| metric | ${esc(b)} | ${esc(cu)} | Δ | Δ% | ${conf} CI | verdict |`,
      '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
    );
    for (const m of g.metrics) {
      const v =
        c.mode === 'targets' && m.verdict === 'regression'
          ? 'worse'
          : c.mode === 'targets' && m.verdict === 'improvement'
            ? 'better'
            : m.verdict;
      const verdict = `${m.verdict === 'regression' ? `**${v}**` : v}${m.gated ? ' (gated)' : ''}`;
      out.push(
        `| ${metricLabel(m.metric)} | ${valueCell(m, m.baseline)} | ${valueCell(m, m.current)} | ` +
          `${deltaCell(m)} | ${relCell(m)} | ${ciCell(m)} | ${verdict} |`,
      );
    }
  }
  if (c.onlyInBaseline.length)
    out.push('', `Only in ${esc(c.baseline.label)} (not compared): ${c.onlyInBaseline.map((k) => `\`${k}\``).join(', ')}`);
  if (c.onlyInCurrent.length)
    out.push('', `Only in ${esc(c.current.label)} (not compared): ${c.onlyInCurrent.map((k) => `\`${k}\``).join(', ')}`);
  const [first = '', ...rest] = verdictLines(c);
  out.push('', `**${esc(first)}**`, ...(rest.length ? [''] : []), ...rest.map((l) => `- ${esc(l.trim())}`));
  return `${out.join('\n')}\n`;
}

// A cell's text with the characters markdown tables would take for syntax escaped.
function esc(s: string): string {
  return s.replace(/\|/g, '\\|');
}
