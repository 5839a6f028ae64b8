// Seeds a regression for a drill of the nightly job: writes a copy of a scenario whose mock targets'
// first-token latency (ttftMs: a number, or a distribution's median / mean / min / max) is raised
// by a percentage. Used by nightly.sh when TTFT_REGRESSION_PERCENT is set; real targets are untouched.
//   node examples/nightly/slow-down.mjs <scenario.yaml> <percent> <out.yaml>
import { readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';

const [file, percentArg, out] = process.argv.slice(2);
const percent = Number(percentArg);
if (!file || !out || !Number.isFinite(percent)) {
  console.error('usage: node examples/nightly/slow-down.mjs <scenario.yaml> <percent> <out.yaml>');
  process.exit(2);
}
const factor = 1 + percent / 100;
const doc = parse(readFileSync(file, 'utf8'));
let changed = 0;
for (const t of doc.targets ?? []) {
  const ttft = t.mock?.ttftMs;
  if (typeof ttft === 'number') {
    t.mock.ttftMs = ttft * factor;
    changed++;
  } else if (ttft && typeof ttft === 'object') {
    // Scaling every location parameter moves the whole distribution by the factor (σ is a shape).
    for (const k of ['median', 'mean', 'min', 'max', 'value']) if (typeof ttft[k] === 'number') ttft[k] *= factor;
    if (typeof ttft.stddev === 'number') ttft.stddev *= factor;
    changed++;
  }
}
if (!changed) {
  console.error(`slow-down: ${file} has no target with a mock ttftMs to raise`);
  process.exit(2);
}
writeFileSync(out, stringify(doc));
console.error(`slow-down: ${changed} mock target(s) of ${file} with TTFT ×${factor.toFixed(2)} → ${out}`);
