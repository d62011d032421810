// benchmarks/RESULTS.md, one `## ` section per suite, and the machine facts every section records.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { backendInfo } from 'tensornode';

export const resultsPath = fileURLToPath(new URL('./RESULTS.md', import.meta.url));

const preamble =
  '# Benchmark results\n\n' +
  'Written by `npm run bench` (all suites) or `npm run bench -- <suite>` (one). Each suite replaces only its own\n' +
  'section; the numbers are whatever the build held when it ran, on the machine it names.\n';

/** Replaces the section titled `## title` (its heading up to the next `## ` heading), or appends it. */
export function writeSection(title: string, body: string, path = resultsPath): void {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : preamble;
  const heading = `## ${title}`;
  const parts = text.split(/^(?=## )/m);
  const section = `${heading}\n\n${body.trim()}\n\n`;
  const i = parts.findIndex((p) => p.split('\n', 1)[0].trim() === heading);
  if (i >= 0) parts[i] = section;
  else {
    if (!parts[parts.length - 1].endsWith('\n\n')) parts[parts.length - 1] = parts[parts.length - 1].replace(/\n*$/, '\n\n');
    parts.push(section);
  }
  writeFileSync(path, parts.join('').replace(/\n+$/, '\n'));
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  backend: string;
  node: string;
  loadAverage: number;
}

export function machine(): Machine {
  let cpu = 'unknown CPU';
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(info)?.[1].trim();
    cpu = `${field('model name') ?? 'unknown'} (family ${field('cpu family') ?? '?'}, model ${field('model') ?? '?'})`;
  } catch {
    // not Linux: the model stays unknown
  }
  const b = backendInfo();
  return {
    cpu,
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    backend: `isa=${b.isa} (hardware ${b.hardwareIsa}), threads=${b.threads}, tensornode ${b.version}`,
    node: process.version,
    loadAverage: loadavg()[0],
  };
}
