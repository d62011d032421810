// Runs a share of the loader fuzz cases (test/helpers/load-fuzz.ts) in a child process, so that a crash of the
// process itself (a native fault, an abort) would show as its exit status. Prints the summary as JSON.
// Usage: node load-fuzz.mjs <folder> <seed> <cases per format>
import { tsImport } from 'tsx/esm/api';

const { fuzz } = await tsImport('../helpers/load-fuzz.ts', import.meta.url);
const [root, seed, count] = process.argv.slice(2);
const summary = await fuzz(root, Number(seed), Number(count));
process.stdout.write(JSON.stringify(summary) + '\n');
