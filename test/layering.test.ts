// The shape of lib/'s import graph: no module imports itself back through a chain of runtime imports (a cycle makes
// the evaluation order depend on which module is loaded first, and an export used at the top level can then be
// undefined), and data flows one way, layers -> ops -> native. Type-only imports vanish from the emitted JavaScript,
// so they do not count.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const lib = join(root, 'lib');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/**
 * The module specifiers a file imports or re-exports at run time (what survives TypeScript's type erasure). Module
 * statements in lib/ start at the beginning of a line, which is what the patterns anchor on.
 */
function runtimeSpecifiers(code: string): string[] {
  const found: [number, string][] = [];
  for (const m of code.matchAll(/^(?:import|export)\s+(type\s+)?([^;'"`]*?)\s*from\s*['"]([^'"]+)['"]/gm)) {
    const [, typeOnly, clause, spec] = m;
    if (typeOnly) continue;
    const braces = /^\{([\s\S]*)\}$/.exec(clause.trim());
    if (braces) {
      const names = braces[1].split(',').map((e) => e.trim()).filter((e) => e !== '');
      if (names.length > 0 && names.every((e) => /^type\s/.test(e))) continue;
    }
    found.push([m.index, spec]);
  }
  for (const m of code.matchAll(/^import\s*['"]([^'"]+)['"]/gm)) found.push([m.index, m[1]]);
  return found.sort((a, b) => a[0] - b[0]).map(([, spec]) => spec);
}

/** lib/'s runtime import graph: file (relative to lib/) -> the lib/ files it imports. */
function importGraph(): Map<string, string[]> {
  const files = sourceFiles(lib);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const deps: string[] = [];
    for (const spec of runtimeSpecifiers(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
      const candidates = [target, join(target.replace(/\.ts$/, ''), 'index.ts')];
      const hit = candidates.find((c) => known.has(c));
      if (!hit) throw new Error(`${relative(lib, file)} imports ${spec}, which is not a file under lib/`);
      deps.push(relative(lib, hit));
    }
    graph.set(relative(lib, file), deps);
  }
  return graph;
}

/** Every cycle's strongly connected component (Tarjan), each as one concrete cycle through its first file. */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) components.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  // A shortest path back to the start within the component, so the failure names the imports to change.
  return components.map((component) => {
    const inside = new Set(component);
    const start = component[0];
    const from = new Map<string, string>();
    const queue = [start];
    while (queue.length > 0) {
      const v = queue.shift()!;
      for (const w of graph.get(v) ?? []) {
        if (!inside.has(w)) continue;
        if (w === start) {
          const path = [v];
          while (path[0] !== start) path.unshift(from.get(path[0])!);
          return [...path, start];
        }
        if (!from.has(w)) {
          from.set(w, v);
          queue.push(w);
        }
      }
    }
    return component;
  });
}

describe('lib/ import graph', () => {
  const graph = importGraph();

  it('reads runtime imports and skips type-only ones', () => {
    const code = [
      "import { a } from './a.js';",
      "import type { B } from './b.js';",
      "import { type C } from './c.js';",
      "import { type D, d } from './d.js';",
      "import {\n  type E1,\n  type E2,\n} from './e1.js';",
      "import x, { type X } from './x.js';",
      "export const notAnImport = 'from';",
      "import './e.js';",
      "export { f } from './f.js';",
      "export type { G } from './g.js';",
      "export * from './h.js';",
    ].join('\n');
    expect(runtimeSpecifiers(code)).toEqual(['./a.js', './d.js', './x.js', './e.js', './f.js', './h.js']);
    const g = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['d']], ['e', ['a']]]);
    expect(cycles(g)).toEqual([['a', 'b', 'c', 'a'], ['d', 'd']]);
  });

  it('has no import cycle', () => {
    expect(graph.size).toBeGreaterThan(20);
    expect(graph.get('ops/conv.ts')).toContain('native.ts');
    expect(cycles(graph).map((c) => c.join(' -> '))).toEqual([]);
  });

  it('lets data flow one way: ops import no layer or model, layers import no model', () => {
    const upward = [...graph].flatMap(([file, deps]) => deps
      .filter((d) => (file.startsWith('ops/') && /^(layers|models)\//.test(d)) || (file.startsWith('layers/') && d.startsWith('models/')))
      .map((d) => `${file} -> ${d}`));
    expect(upward).toEqual([]);
  });

  it('keeps layers above ops: nothing under layers/ loads the addon', () => {
    const offenders = [...graph].filter(([file, deps]) => file.startsWith('layers/') && deps.includes('native.ts'));
    expect(offenders.map(([file]) => file)).toEqual([]);
  });
});
