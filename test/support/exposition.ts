// A reader of the Prometheus text exposition format (0.0.4), enough to check what /metrics says:
// every sample with its labels, and each family's TYPE and HELP.

/** Sample is one line of the exposition: a series name, its labels and its value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Exposition is a parsed /metrics body. */
export interface Exposition {
  samples: Sample[];
  /** TYPE of each metric family by its name. */
  types: Map<string, string>;
  help: Map<string, string>;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** parseExposition reads an exposition; a line it cannot read fails loudly, with the line. */
export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ');
      if (types.has(name!)) throw new Error(`TYPE of ${name} given twice`);
      types.set(name!, type!);
      continue;
    }
    if (line.startsWith('# HELP ')) {
      const rest = line.slice(7);
      const sp = rest.indexOf(' ');
      help.set(rest.slice(0, sp), rest.slice(sp + 1));
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    samples.push({ name: m[1]!, labels, value: m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]) });
  }
  return { samples, types, help };
}

/** select is the samples of one series name whose labels include `where`. */
export function select(e: Exposition, name: string, where: Record<string, string> = {}): Sample[] {
  return e.samples.filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v));
}

/** value is the one sample of a name matching `where` (undefined when there is none; an error when there are several). */
export function value(e: Exposition, name: string, where: Record<string, string> = {}): number | undefined {
  const found = select(e, name, where);
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(where)}: ${found.length} samples`);
  return found[0]?.value;
}

/** buckets are a histogram series' cumulative buckets, by upper bound ascending (+Inf last). */
export function buckets(e: Exposition, name: string, where: Record<string, string>): { le: number; count: number }[] {
  return select(e, `${name}_bucket`, where)
    .map((s) => ({ le: s.labels.le === '+Inf' ? Infinity : Number(s.labels.le), count: s.value }))
    .sort((a, b) => a.le - b.le);
}
