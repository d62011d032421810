// `npm run example -- <name>` runs examples/<name>.ts; with no name it lists the examples.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const names = readdirSync(here).filter((f) => f.endsWith('.ts') && f !== 'run.ts').map((f) => f.slice(0, -3)).sort();
const [name, ...rest] = process.argv.slice(2);
if (!name || name === '--help') {
  console.log(`usage: npm run example -- <name> [options]\nexamples: ${names.join(', ')}`);
  process.exit(name ? 0 : 1);
}
if (!names.includes(name)) {
  console.error(`npm run example: no example "${name}"; examples: ${names.join(', ')}`);
  process.exit(1);
}
process.argv = [process.argv[0], join(here, `${name}.ts`), ...rest];
await import(pathToFileURL(join(here, `${name}.ts`)).href);
