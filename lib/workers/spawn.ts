// Starting a worker thread that runs tensornode. From the package (dist/*.js) a worker runs dist/workers/<name>.js.
// From the TypeScript sources (the tests, examples under tsx) it must load lib/workers/<name>.ts, which Node 20 cannot
// import by itself, so the worker first loads tsx (a devDependency, present wherever the sources run) and imports the
// script through it.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

// tsx's tsImport() loads the sources with a query (?tsx-namespace=...) on each module's URL.
const fromSources = new URL(import.meta.url).pathname.endsWith('.ts');

/** The URL of a worker script in this folder, in the form this copy of the library runs from. */
export function workerScript(name: string): URL {
  return new URL(`./${name}${fromSources ? '.ts' : '.js'}`, import.meta.url);
}

/**
 * A data: URL module that loads a TypeScript worker script through tsx's ESM API. tsx is resolved from this file, so
 * it works whatever the current directory is.
 */
function sourceLoader(url: URL): URL {
  const api = createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs');
  const code = [
    `import { tsImport } from ${JSON.stringify(pathToFileURL(api).href)};`,
    `await tsImport(${JSON.stringify(url.href)}, ${JSON.stringify(url.href)});`,
  ].join('\n');
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

/** A Worker running lib/workers/<name> (or the script at a URL; a .ts script is loaded through tsx). */
export function startWorker(script: string | URL, options: WorkerOptions = {}): Worker {
  const url = typeof script === 'string' ? workerScript(script) : script;
  return new Worker(url.pathname.endsWith('.ts') ? sourceLoader(url) : url, options);
}

