// tn.utils.padSequences against the examples of Keras's pad_sequences docstring, and its rules for truncation,
// dtype casts, steps that are arrays and bad input.
import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';

const { padSequences } = tn.utils;
const sequences = [[1], [2, 3], [4, 5, 6]];

describe("padSequences (Keras's pad_sequences)", () => {
  it("gives the docstring's arrays: pre padding and truncation by default, value, 'post', maxlen", () => {
    const plain = padSequences(sequences);
    expect(plain.dtype).toBe('int32');
    expect(plain.arraySync()).toEqual([[0, 0, 1], [0, 2, 3], [4, 5, 6]]);
    expect(padSequences(sequences, { value: -1 }).arraySync()).toEqual([[-1, -1, 1], [-1, 2, 3], [4, 5, 6]]);
    expect(padSequences(sequences, { padding: 'post' }).arraySync()).toEqual([[1, 0, 0], [2, 3, 0], [4, 5, 6]]);
    expect(padSequences(sequences, { maxlen: 2 }).arraySync()).toEqual([[0, 1], [2, 3], [5, 6]]);
    expect(padSequences(sequences, { maxlen: 2, truncating: 'post', padding: 'post' }).arraySync()).toEqual([[1, 0], [2, 3], [4, 5]]);
    expect(padSequences(sequences, { maxlen: 0 }).shape).toEqual([3, 0]);
  });

  it('casts to int32 toward zero as numpy does, keeps floats with float32, and pads empty sequences whole', () => {
    expect(padSequences([[1.7, -2.5], []], { maxlen: 3 }).arraySync()).toEqual([[0, 1, -2], [0, 0, 0]]);
    const f = padSequences([[1.5, -2.5], []], { maxlen: 3, dtype: 'float32', value: 0.5 });
    expect(f.dtype).toBe('float32');
    expect(f.arraySync()).toEqual([[0.5, 1.5, -2.5], [0.5, 0.5, 0.5]]);
    expect(padSequences([Int32Array.from([7, 8]), tn.tensor([9], [1], 'int32')]).arraySync()).toEqual([[7, 8], [0, 9]]);
  });

  it('pads sequences whose steps are arrays to [samples, maxlen, ...step shape]', () => {
    const t = padSequences([[[1, 2], [3, 4]], [[5, 6]], []], { padding: 'post' });
    expect(t.shape).toEqual([3, 2, 2]);
    expect(t.arraySync()).toEqual([[[1, 2], [3, 4]], [[5, 6], [0, 0]], [[0, 0], [0, 0]]]);
  });

  it('says what is wrong with bad input', () => {
    expect(() => padSequences([[[1, 2]], [[3]]])).toThrow('padSequences: the steps of sequence 1 have shape [1], but those of the first have [2]');
    expect(() => padSequences([[1], 2 as never])).toThrow('padSequences: sequences must be a list of arrays; sequence 1 is number');
    expect(() => padSequences(sequences, { padding: 'middle' as never })).toThrow(`padSequences: padding must be 'pre' or 'post', received "middle"`);
    expect(() => padSequences(sequences, { truncating: 'both' as never })).toThrow(`padSequences: truncating must be 'pre' or 'post', received "both"`);
    expect(() => padSequences(sequences, { maxlen: -1 })).toThrow('padSequences: maxlen must be a non-negative integer, received -1');
    expect(() => padSequences(sequences, { dtype: 'float64' as never })).toThrow(`padSequences: dtype must be 'int32' or 'float32', received "float64"`);
    expect(() => padSequences(sequences, { max_len: 3 } as never)).toThrow('padSequences: unrecognized option "max_len"');
    expect(() => padSequences([['a', 'b']] as never)).toThrow(/padSequences: sequence 0/);
  });
});
