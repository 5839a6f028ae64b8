import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import { validateScenario, type Problem, type Validation } from './validate.js';

/**
 * loadScenario reads a YAML or JSON scenario file and validates it. It never throws for bad
 * input: a missing file, a syntax error and schema problems all come back as Problems, so the
 * CLI prints them together and exits with the invalid-input code.
 */
export async function loadScenario(file: string): Promise<Validation> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return fail(
      file,
      code === 'ENOENT' ? 'file not found; pass the path to a .yaml or .json scenario' : `cannot read file (${code ?? String(err)})`,
    );
  }
  const parsed = parseScenarioText(text, extname(file).toLowerCase() === '.json' ? 'json' : 'yaml');
  if (!parsed.ok) return { ok: false, problems: parsed.problems.map((p) => ({ ...p, path: `${file}:${p.path}` })) };
  return validateScenario(parsed.doc);
}

/** parseScenarioText parses scenario text (YAML, of which JSON is a subset) and reports syntax errors by line. */
export function parseScenarioText(text: string, format: 'yaml' | 'json'): { ok: true; doc: unknown } | { ok: false; problems: Problem[] } {
  if (format === 'json') {
    try {
      return { ok: true, doc: JSON.parse(text) as unknown };
    } catch (err) {
      return { ok: false, problems: [{ path: '1', message: `invalid JSON: ${(err as Error).message}` }] };
    }
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({
        path: String(e.linePos?.[0]?.line ?? '?'),
        message: `invalid YAML: ${e.message.split('\n')[0]}`,
      })),
    };
  }
  return { ok: true, doc: doc.toJS() as unknown };
}

function fail(path: string, message: string): Validation {
  return { ok: false, problems: [{ path, message }] };
}
