// tn.utils.splitDataset against Keras's split_dataset rules: sizes as fractions or counts (fractions rounded as
// Python's round), the right part taken from the end, shuffling with a seed, datasets and tensors, and its errors.
import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';

const { splitDataset } = tn.utils;

describe("splitDataset (Keras's split_dataset)", () => {
  it('cuts a dataset of samples by fraction or count, the right part from the end', async () => {
    const ds = tn.data.array(Array.from({ length: 10 }, (_, i) => i));
    const [a, b] = await splitDataset(ds, { leftSize: 0.8 });
    expect(await a.toArray()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(await b.toArray()).toEqual([8, 9]);
    expect(a.size).toBe(8);
    const [c, d] = await splitDataset(ds, { leftSize: 3, rightSize: 2 });
    expect(await c.toArray()).toEqual([0, 1, 2]);
    expect(await d.toArray()).toEqual([8, 9]);
    const [e, f] = await splitDataset(ds, { rightSize: 0.25 });
    // round(2.5) is 2 in Python, as Keras rounds.
    expect((await e.toArray()).length).toBe(8);
    expect(await f.toArray()).toEqual([8, 9]);
  });

  it('shuffles with a seed (the same cut for the same seed, every sample once)', async () => {
    const ds = tn.data.array(Array.from({ length: 20 }, (_, i) => i));
    const [a, b] = await splitDataset(ds, { leftSize: 0.5, shuffle: true, seed: 3 });
    const [a2] = await splitDataset(ds, { leftSize: 0.5, shuffle: true, seed: 3 });
    const left = await a.toArray() as number[];
    expect(await a2.toArray()).toEqual(left);
    expect(left).not.toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect([...left, ...(await b.toArray() as number[])].sort((p, q) => p - q)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('splits tensors: one [N, ...] tensor, or [x, y] into samples that batch back to their rows', async () => {
    const x = tn.tensor([[1, 2], [3, 4], [5, 6], [7, 8]]);
    const y = tn.tensor([0, 1, 0, 1], [4], 'int32');
    const [train, val] = await splitDataset([x, y], { leftSize: 0.75 });
    const [[bx, by]] = await train.batch(8).toArray() as [tn.Tensor, tn.Tensor][];
    expect(bx.arraySync()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(by.dtype).toBe('int32');
    expect(by.arraySync()).toEqual([0, 1, 0]);
    const [[vx]] = await val.batch(8).toArray() as [tn.Tensor, tn.Tensor][];
    expect(vx.arraySync()).toEqual([[7, 8]]);
    const [only] = await splitDataset(x, { leftSize: 1 });
    expect(((await only.toArray())[0] as tn.Tensor).arraySync()).toEqual([1, 2]);
    const [named] = await splitDataset({ a: x, b: y }, { rightSize: 1 });
    const firstNamed = (await named.toArray())[0] as Record<string, tn.Tensor>;
    expect(firstNamed.a.arraySync()).toEqual([1, 2]);
    expect(firstNamed.b.arraySync()).toEqual(0);
  });

  it('refuses what Keras refuses, saying why', async () => {
    const ds = tn.data.array([1, 2, 3, 4]);
    await expect(splitDataset(ds)).rejects.toThrow('splitDataset: give leftSize or rightSize (or both)');
    await expect(splitDataset(ds, { leftSize: 4 })).rejects.toThrow('splitDataset: leftSize 4 must be less than the number of samples, 4');
    await expect(splitDataset(ds, { leftSize: 1.5 })).rejects.toThrow('leftSize must be a fraction in (0, 1) or a positive integer number of samples, received 1.5');
    await expect(splitDataset(ds, { leftSize: 0.7, rightSize: 0.5 })).rejects.toThrow('leftSize 0.7 and rightSize 0.5 add up to more than 1');
    await expect(splitDataset(ds, { leftSize: 3, rightSize: 2 })).rejects.toThrow('take 3 + 2 samples, more than the 4 there are');
    await expect(splitDataset(ds, { leftSize: 0.1 })).rejects.toThrow('leave the left dataset empty');
    await expect(splitDataset([tn.zeros([3, 2]), tn.zeros([4])], { leftSize: 0.5 })).rejects.toThrow('every tensor needs the same number of samples first; item 0 has 3, item 1 has shape [4]');
    await expect(splitDataset(ds, { left_size: 0.5 } as never)).rejects.toThrow('splitDataset: unrecognized option "left_size" (did you mean leftSize?)');
  });
});
