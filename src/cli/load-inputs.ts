import { dirname, resolve } from 'node:path';
import { loadScenario } from '../scenario/load.js';
import type { Scenario } from '../scenario/schema.js';
import { loadTrace, type TraceEntry } from '../workload/trace.js';
import { invalidInput } from './problems.js';

/** Inputs are a validated scenario and, for trace replay, its trace. */
export interface Inputs {
  scenario: Scenario;
  trace?: TraceEntry[];
}

/**
 * loadInputs loads and validates a scenario and the files it names (a trace, relative to the
 * scenario's folder); any problem becomes an invalid-input error listing them all.
 */
export async function loadInputs(file: string): Promise<Inputs> {
  const v = await loadScenario(file);
  if (!v.ok) throw invalidInput(file, v.problems);
  const scenario = v.scenario;
  if (!scenario.load.trace) return { scenario };
  const tracePath = resolve(dirname(file), scenario.load.trace.file);
  const t = await loadTrace(tracePath);
  if (!t.ok) throw invalidInput(file, t.problems.map((p) => ({ path: `load.trace.file → ${p.path}`, message: p.message })));
  return { scenario, trace: t.entries };
}
