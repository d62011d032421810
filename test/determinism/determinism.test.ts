// README "Reproducible runs": tn.setSeed + tn.setDeterministic(true) make two runs of the reference program give
// bit-identical weights on one machine, thread count and SIMD path; a random draw before setSeed is an error then,
// as TensorFlow's random ops raise under enable_op_determinism.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';

const program = fileURLToPath(new URL('./reference-program.ts', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tn-determinism-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function weights(name: string, threads: number, kind: string, where = 'thread'): Promise<Buffer> {
  const out = join(dir, `${name}.bin`);
  await promisify(execFile)(tsx, [program, out, String(threads), kind, where], { timeout: 240_000 });
  return readFileSync(out);
}

describe('deterministic mode', () => {
  // First in the file: nothing here has seeded this process's global stream yet (each test file runs in its own process).
  it('makes a random draw before setSeed an error naming the fix, and lets it through after', () => {
    tn.setDeterministic(true);
    try {
      expect(tn.isDeterministic()).toBe(true);
      expect(() => tn.randomNormal([2])).toThrow(/Random draws need a seed when determinism is enabled .*tn\.setSeed/);
      expect(() => new tn.layers.Dense({ units: 2 }).apply(tn.ones([1, 3]))).toThrow(/need a seed/);
      // A draw with a seed of its own never touches the global stream, nor does a deterministic initializer: a
      // Dense whose kernel initializer has its own seed builds (its bias is zeros).
      expect(tn.randomNormal([2], 0, 1, 'float32', 5).shape).toEqual([2]);
      expect(new tn.layers.Dense(2, { kernelInitializer: new tn.initializers.GlorotUniform({ seed: 3 }) }).apply(tn.ones([1, 3])).shape).toEqual([1, 2]);
      expect(new tn.layers.Dense(2, { kernelInitializer: 'ones' }).apply(tn.ones([1, 3])).array()).toEqual([[3, 3]]);
      tn.setSeed(9);
      const a = tn.randomNormal([4]).dataSync();
      tn.setSeed(9);
      expect(tn.randomNormal([4]).dataSync()).toEqual(a);
    } finally {
      tn.setDeterministic(false);
    }
    expect(() => tn.setDeterministic('yes' as unknown as boolean)).toThrow(/setDeterministic: enabled must be true or false/);
  });

  it('two runs of the reference CNN (shuffling, Dropout, Adam; 2 epochs of 4 steps), and one on a worker, give bit-identical weights', async () => {
    const [a, b, c] = await Promise.all([weights('cnn-a', 2, 'cnn'), weights('cnn-b', 2, 'cnn'), weights('cnn-worker', 2, 'cnn', 'worker')]);
    expect(a.length).toBe(4 * (3 * 3 * 32 + 32 + 13 * 13 * 32 * 128 + 128 + 128 * 10 + 10));
    expect(a.equals(b)).toBe(true);
    // fit({ worker: { threads: 2 } }) continues the seeded stream on the worker: the same weights again.
    expect(c.equals(a)).toBe(true);
    // And training moved the weights: a program that trained nothing would pass the comparison too.
    expect(a.equals(readFileSync(join(dir, 'cnn-a.bin.init')))).toBe(false);
    const w = new Float32Array(a.buffer, a.byteOffset, a.length / 4);
    expect(w.every((v) => Number.isFinite(v))).toBe(true);
  });

  it('two runs of a Conv3D model and of a depthwise model are bit-identical at one thread count too', async () => {
    for (const kind of ['conv3d', 'depthwise']) {
      const [a, b] = await Promise.all([weights(`${kind}-a`, 2, kind), weights(`${kind}-b`, 2, kind)]);
      expect(a.equals(b)).toBe(true);
    }
  });
});
