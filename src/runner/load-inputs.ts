import { access } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { loadScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/schema.js';
import { loadTrace, type TraceEntry } from '../workload/trace.js';
import { loadDataset, type DatasetEntry } from '../workload/dataset.js';
import type { Problem } from '../scenario/validate.js';
import { buildCatalog, loadCatalogData, type Catalog } from '../cost/catalog.js';

/** Inputs are a validated scenario and, for trace replay, its trace. */
export interface Inputs {
  scenario: Scenario;
  /** Prices: the shipped catalog (or the scenario's pricing.file), with the scenario's per-model overrides. */
  pricing: Catalog;
  trace?: TraceEntry[];
  datasets?: Map<string, DatasetEntry[]>;
}

/** InputsLoad is a run's inputs, or every problem found in the scenario and the files it names. */
export type InputsLoad = { ok: true; inputs: Inputs } | { ok: false; problems: Problem[] };

/**
 * readInputs loads and validates a scenario and the files it names (prices, a trace, datasets —
 * relative to the scenario's folder), collecting every problem.
 */
export async function readInputs(file: string): Promise<InputsLoad> {
  const v = await loadScenario(file);
  if (!v.ok) return { ok: false, problems: v.problems };
  const scenario = v.scenario;
  const problems: Problem[] = [];
  let pricing: Catalog;
  try {
    const base = await loadCatalogData(scenario.pricing?.file ? resolve(dirname(file), scenario.pricing.file) : undefined);
    pricing = buildCatalog(base, scenario.pricing?.models ?? {});
  } catch (err) {
    return { ok: false, problems: [{ path: 'pricing.file', message: (err as Error).message }] };
  }
  const inputs: Inputs = { scenario, pricing };
  problems.push(...(await resolveTlsFiles(scenario, dirname(file))));
  if (scenario.load.trace) {
    const t = await loadTrace(resolve(dirname(file), scenario.load.trace.file));
    if (t.ok) inputs.trace = t.entries;
    else problems.push(...t.problems.map((p) => ({ path: `load.trace.file → ${p.path}`, message: p.message })));
  }
  for (const [i, w] of scenario.workloads.entries()) {
    if (!w.dataset) continue;
    const d = await loadDataset(resolve(dirname(file), w.dataset.file));
    if (d.ok) (inputs.datasets ??= new Map()).set(w.name, d.entries);
    else problems.push(...d.problems.map((p) => ({ path: `workloads[${i}].dataset.file → ${p.path}`, message: p.message })));
  }
  return problems.length ? { ok: false, problems } : { ok: true, inputs };
}

// resolveTlsFiles makes each target's tls files absolute (relative to the scenario's folder, like a
// dataset), so the transport can read them wherever the run starts, and checks each can be read.
async function resolveTlsFiles(scenario: Scenario, dir: string): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const [i, t] of scenario.targets.entries()) {
    if (!t.tls) continue;
    for (const field of ['ca', 'cert', 'key'] as const) {
      const f = t.tls[field];
      if (!f) continue;
      const path = resolve(dir, f);
      t.tls[field] = path;
      await access(path).catch((err: NodeJS.ErrnoException) =>
        problems.push({ path: `targets[${i}].tls.${field}`, message: `cannot read ${path} (${err.code ?? err.message})` }),
      );
    }
  }
  return problems;
}
