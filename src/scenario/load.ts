import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseDocument, type YAMLError } from 'yaml';
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
    const lines = text.split(/\r?\n/);
    return {
      ok: false,
      problems: doc.errors.map((e) => ({ path: String(e.linePos?.[0]?.line ?? '?'), message: yamlErrorMessage(e, lines) })),
    };
  }
  return { ok: true, doc: doc.toJS() as unknown };
}

// A YAML error in one line: the parser's reason and code, then where on the line it is and what the line reads (the
// parser's own message ends in "at line L, column C:" followed by a drawing of the line, which one line cannot hold;
// the line number is the problem's path).
function yamlErrorMessage(e: YAMLError, lines: readonly string[]): string {
  const reason = e.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '').split('\n')[0]!;
  const at = e.linePos?.[0];
  const line = at ? lines[at.line - 1] : undefined;
  const where = !at
    ? ''
    : line === undefined || (line === '' && at.line >= lines.length)
      ? '; at the end of the file'
      : `; column ${at.col} of ${quoted(line)}`;
  return `invalid YAML: ${reason} (${e.code})${where}`;
}

// The offending line as JSON quotes it (a tab shows as \t), cut to a readable length.
function quoted(line: string): string {
  return JSON.stringify(line.length > MAX_QUOTED_CHARS ? `${line.slice(0, MAX_QUOTED_CHARS)}…` : line);
}

const MAX_QUOTED_CHARS = 80;

function fail(path: string, message: string): Validation {
  return { ok: false, problems: [{ path, message }] };
}
