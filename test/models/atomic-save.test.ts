// Every save is atomic: a child process saving a model in a tight loop is killed with SIGKILL at random moments,
// hundreds of times, and each time the folder must hold one whole model, the one of the last finished save or of the
// save in progress, never a mix (test/workers/save-loop.ts writes save number k with every value equal to k). The child
// is bundled once with esbuild so that a start costs a plain node start rather than a TypeScript compile.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';

// tmpfs when there is one: a save takes about a millisecond there, so random kill times land in every step of it
// (on a disk, fsync makes one save take tens of milliseconds and most kills would land in the first fsync).
const root = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'tensornode-atomic-'));
const bundle = join(root, 'save-loop.mjs');
afterAll(() => rmSync(root, { recursive: true, force: true }));

beforeAll(async () => {
  await build({ entryPoints: [resolve(__dirname, '../workers/save-loop.ts')], bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'warning' });
});

/** Starts the save loop, kills it 0-20 ms after it is ready, and resolves with how it ended. */
function saveAndKill(dir: string, first: number): Promise<string | null> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bundle, dir, String(first)], {
      // One kernel thread: the child only saves, and 200 children each starting OpenMP workers crowd a loaded machine.
      env: { ...process.env, OMP_NUM_THREADS: '1', TENSORNODE_ADDON: resolve(__dirname, '../../build/Release/tensornode.node') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.once('data', () => setTimeout(() => child.kill('SIGKILL'), Math.random() * 20));
    child.on('error', fail);
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? done(signal) : fail(new Error(`save loop exited with ${code}: ${stderr}`))));
  });
}

/** The k of the whole model in `dir`; fails on a torn one. */
async function generation(dir: string): Promise<number> {
  const model = await tn.models.loadModel(dir);
  const k = model.optimizer!.iterations;
  for (const w of model.weights) expect(new Set(w.dataSync()), `${dir} ${w.name}`).toEqual(new Set([k]));
  for (const v of model.trainableWeights) for (const slot of model.optimizer!.slotsOf(v)!) expect(new Set(slot), `${dir} slot of ${v.name}`).toEqual(new Set([k]));
  return k;
}

it('a save killed at any moment leaves the old model or the new one (4 folders x up to 50 kills)', async () => {
  const folders = 4;
  const kills = 50;
  // On a crowded machine a child's start can take seconds: after 120 s each folder stops at its next kill past the
  // 10th, so the test ends within its timeout and still checks at least 40 kills.
  const minKills = 10;
  const started = Date.now();
  let midSave = 0;
  let advanced = 0;
  await Promise.all(Array.from({ length: folders }, async (_, f) => {
    const dir = join(root, `model${f}`);
    // Generation 0, whole, before the first kill: there is always an old model to fall back to.
    await saveAndKill(dir, 0);
    while (!existsSync(join(dir, 'model.json'))) await saveAndKill(dir, 0);
    let last = await generation(dir);
    for (let i = 0; i < kills; i++) {
      if (i >= minKills && Date.now() - started > 120_000) break;
      await saveAndKill(dir, last + 1);
      // Leftovers of a killed save (its temporary file, or its new data file not yet named by model.json).
      if (readdirSync(dir).length > 2) midSave++;
      const k = await generation(dir);
      expect(k).toBeGreaterThanOrEqual(last);
      if (k > last) advanced++;
      last = k;
    }
  }));
  // The kills landed both between saves and inside them, so the check above saw both kinds of moment.
  expect(advanced).toBeGreaterThan(0);
  expect(midSave).toBeGreaterThan(0);
}, 300_000);

it('the next save removes what killed saves left behind', async () => {
  const dir = join(root, 'model0');
  const model = new tn.Sequential([new tn.layers.Dense(5, { inputShape: [4], activation: 'relu' }), new tn.layers.Dense(3)]);
  await model.save(dir);
  const names = readdirSync(dir).sort();
  expect(names).toHaveLength(2);
  expect(names[0]).toBe('model.json');
  expect(names[1]).toMatch(/^model\.weights\.[0-9a-f]{16}\.bin$/);
});
