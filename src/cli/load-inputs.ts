import { readInputs, type Inputs } from '../runner/load-inputs.js';
import { invalidInput } from './problems.js';

export type { Inputs } from '../runner/load-inputs.js';

/** loadInputs reads a scenario and the files it names (readInputs); any problem becomes an invalid-input error listing them all. */
export async function loadInputs(file: string): Promise<Inputs> {
  const r = await readInputs(file);
  if (!r.ok) throw invalidInput(file, r.problems);
  return r.inputs;
}
