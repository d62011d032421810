// Memory: outside step scopes the garbage collector owns every buffer and long loops stay flat; inside
// withScope buffers are recycled, kept results survive, and a recycled tensor fails with a clear error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';
import { inScope, persistent, trimPool, withScope } from '../lib/memory.js';

const MiB = 1024 * 1024;

// One kernel thread: this file measures memory, and runs beside the other test files on a small machine.
const threads = tn.backendInfo().threads;
beforeAll(() => tn.setNumThreads(1));
afterAll(() => tn.setNumThreads(threads));

/** Resident and external (typed-array) memory after giving the collector a chance to run. */
async function usage(): Promise<{ rss: number; external: number }> {
  for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 5));
  const m = process.memoryUsage();
  return { rss: m.rss, external: m.external + m.arrayBuffers };
}

describe('garbage-collected memory', () => {
  it('a long loop of ops outside any scope keeps memory bounded', async () => {
    const x = tn.randomNormal([512, 512], 0, 1, 'float32', 1);
    const w = tn.randomNormal([512, 16], 0, 1, 'float32', 7);
    const step = () => {
      // About 4 MiB of intermediates per iteration: 4 GiB over the loop if nothing were freed.
      const y = tn.relu(tn.add(tn.mul(x, 0.5), 1));
      return tn.mean(tn.softmax(tn.matMul(tn.sub(y, x), w))).item();
    };
    for (let i = 0; i < 100; i++) step();
    const before = await usage();
    for (let i = 0; i < 1000; i++) {
      step();
      if (i % 500 === 0) await new Promise((r) => setImmediate(r));
    }
    const after = await usage();
    expect(after.rss - before.rss).toBeLessThan(200 * MiB);
    expect(after.external - before.external).toBeLessThan(100 * MiB);
  });

  it('taking gradients in a loop keeps memory bounded too', async () => {
    const w = tn.variable(tn.randomNormal([128, 128], 0, 0.1, 'float32', 2));
    const x = tn.randomNormal([64, 128], 0, 1, 'float32', 3);
    const step = () => {
      const { value, grads } = tn.variableGrads(() => tn.mean(tn.square(tn.tanh(tn.matMul(x, w)))), [w]);
      tn.noGrad(() => w.assign(tn.sub(w, tn.mul(grads[w.name], 0.01))));
      return value.item();
    };
    for (let i = 0; i < 100; i++) step();
    const before = await usage();
    for (let i = 0; i < 2000; i++) step();
    const after = await usage();
    expect(after.rss - before.rss).toBeLessThan(200 * MiB);
    expect(after.external - before.external).toBeLessThan(100 * MiB);
  });
});

describe('step scopes (internal withScope)', () => {
  it('recycle buffers: the next step reuses the memory of the last', () => {
    trimPool();
    const buffersOf = () => {
      const seen: unknown[] = [];
      withScope(() => {
        const a = tn.ones([1000]);
        const b = tn.add(a, 1);
        expect(Array.from(b.data().subarray(0, 3))).toEqual([2, 2, 2]);
        seen.push(a.values.buffer, b.values.buffer);
        return null;
      });
      return seen;
    };
    const first = buffersOf();
    const second = buffersOf();
    expect(new Set(first).size).toBe(2);
    expect(new Set([...first, ...second]).size).toBe(2);
  });

  it('a tensor used after its step ended throws a clear error', () => {
    let leaked: tn.Tensor | null = null;
    withScope(() => {
      leaked = tn.mul(tn.ones([4]), 3);
      return null;
    });
    expect(() => leaked!.data()).toThrow(
      'Tensor [4] was created inside a training, evaluation or prediction step, and its memory was reused when that step ended.',
    );
    expect(() => tn.add(leaked!, 1)).toThrow(/its memory was reused when that step ended/);
  });

  it('results picked by keep survive, also out of nested scopes; persistent() and variables are never recycled', () => {
    const kept = withScope(
      () => withScope(() => tn.add(tn.ones([3]), 1), (r) => [r._storage]),
      (r) => [r._storage],
    );
    expect(Array.from(kept.data())).toEqual([2, 2, 2]);
    let weight: tn.Tensor | null = null;
    let v: tn.Variable | null = null;
    withScope(() => {
      weight = persistent(() => tn.ones([2]));
      v = tn.variable([5, 6]);
      return null;
    });
    expect(Array.from(weight!.data())).toEqual([1, 1]);
    expect(Array.from(v!.data())).toEqual([5, 6]);
  });

  it('an exception inside a step releases its buffers and closes the scope', () => {
    expect(() =>
      withScope(() => {
        tn.ones([10]);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(inScope()).toBe(false);
  });

  it('a long loop of steps keeps memory flat and gives the same answers', async () => {
    const x = tn.randomNormal([128, 64], 0, 1, 'float32', 4);
    const w = tn.variable(tn.randomNormal([64, 32], 0, 0.2, 'float32', 5));
    const step = () =>
      withScope(() => {
        const { value, grads } = tn.variableGrads(() => tn.mean(tn.relu(tn.matMul(x, w))), [w]);
        return [value.item(), tn.sum(grads[w.name]).item()];
      });
    const reference = step();
    for (let i = 0; i < 50; i++) expect(step()).toEqual(reference);
    const before = await usage();
    for (let i = 0; i < 2000; i++) step();
    const after = await usage();
    expect(step()).toEqual(reference);
    expect(after.external - before.external).toBeLessThan(32 * MiB);
  });
});
