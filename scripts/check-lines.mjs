// check-lines: no line in src/ over 140 characters. Biome's formatter wraps code at 140, but it
// leaves comments and long string literals as they are; this catches what it cannot wrap.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const MAX = 140;
const root = new URL('../src/', import.meta.url).pathname;
const long = [];
for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
  const file = join(entry.parentPath, entry.name);
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.length > MAX) long.push(`${file.slice(root.length - 4)}:${i + 1}: ${line.length} characters (at most ${MAX})`);
    });
}
for (const l of long) console.error(l);
if (long.length) {
  console.error(`\n${long.length} line(s) over ${MAX} characters in src/: break the string or the comment`);
  process.exit(1);
}
console.log(`check-lines: no line in src/ over ${MAX} characters`);
