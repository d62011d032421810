// String tensors, and the categorical / text preprocessing layers: CategoryEncoding, Hashing, StringLookup,
// IntegerLookup, TextVectorization.
//
// References: FarmHash Fingerprint64 against the string test vectors of tecnickcom/farmhash64 (a port of
// farmhashna::Hash64 whose test suite also carries Google's own self-test data), and Hashing against the bins that
// Keras 3's own hashing_test.py asserts (tf.strings.to_hash_bucket_fast). The lookups, tf_idf and TextVectorization
// are checked against direct implementations of Keras's documented rules written below (vocabulary by count
// descending, ties by token descending; idf = log(1 + documents / (1 + documents with the token))).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { fingerprint64, sipHash24 } from '../../lib/layers/preprocessing-text.js';

const { CategoryEncoding, Hashing, StringLookup, IntegerLookup, TextVectorization } = tn.layers;
const root = mkdtempSync(join(tmpdir(), 'tensornode-pretext-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const arr = (t: tn.Tensor) => t.array();

describe('string tensors', () => {
  it('are created from nested arrays, keep their shape, print and read back', () => {
    const t = tn.tensor([['a b', 'c'], ['d', '']]);
    expect(t.shape).toEqual([2, 2]);
    expect(t.dtype as string).toBe('string');
    expect(tn.isStringTensor(t)).toBe(true);
    expect(t.array()).toEqual([['a b', 'c'], ['d', '']]);
    expect(Array.from(t.data() as unknown as string[])).toEqual(['a b', 'c', 'd', '']);
    expect(t.toString()).toContain('dtype=string');
    expect(t.toString()).toContain('"a b"');
    expect(tn.tensor('x').shape).toEqual([]);
    expect(tn.tensor(['a', 'b', 'c', 'd'], [2, 2]).array()).toEqual([['a', 'b'], ['c', 'd']]);
  });

  it('reject mixed and ragged contents', () => {
    expect(() => tn.tensor(['a', 1 as unknown as string])).toThrow(/values\[1\] is 1, not a string/);
    expect(() => tn.tensor([['a'], ['b', 'c']])).toThrow(/ragged/);
  });

  it('make every numeric op throw an error naming the op', async () => {
    const s = tn.tensor(['a', 'b']);
    expect(() => tn.add(s, 1)).toThrow(/add: received a string tensor of shape \[2\]/);
    expect(() => tn.matMul(s, s)).toThrow(/matMul: received a string tensor/);
    expect(() => tn.exp(['a'] as unknown as number[])).toThrow(/exp: received a string tensor/);
    const notOps = ['tensor', 'isStringTensor', 'backendInfo', 'loadModel', 'loadLayersModel', 'input', 'model', 'sequential', 'setSeed',
      'clearSession', 'noGrad', 'grad', 'grads', 'valueAndGrad', 'valueAndGrads', 'variableGrads', 'setBackend', 'tidy', 'dispose', 'keep', 'isDeterministic', 'memory', 'ready', 'getBackend',
      // TF.js's helpers that take no tensor, or any tensor (clone copies a string tensor, print prints one), and time,
      // whose error (it takes a function) is a rejected promise.
      'nextFrame', 'enableProdMode', 'disposeVariables', 'print', 'clone', 'time',
      // The shape-only ops, which take strings as tf.reshape does (tested below).
      'reshape', 'flatten', 'expandDims', 'squeeze'];
    // Every tensor-taking function of tn rejects a string tensor with an error that starts with its name, unless an
    // argument check of its own comes first; TF.js's ...Async ops reject their promise with it.
    let named = 0;
    for (const [name, f] of Object.entries(tn)) {
      if (typeof f !== 'function' || /^[A-Z]/.test(name) || notOps.includes(name)) continue;
      let message = '';
      try {
        const result = (f as (...a: unknown[]) => unknown)(s, s);
        if (result instanceof Promise) message = await result.then(() => '', (err: Error) => err.message);
      } catch (err) {
        message = (err as Error).message;
      }
      if (message.includes('string tensor')) {
        expect(message.startsWith(`${name}: received a string tensor`), `${name}: ${message}`).toBe(true);
        named++;
      } else {
        expect(message, `${name} accepted a string tensor`).toMatch(new RegExp(`^${name}: `));
      }
    }
    expect(named).toBeGreaterThan(50);
    expect(() => new tn.layers.Dense({ units: 2 }).apply(tn.tensor([['a']]))).toThrow(/string tensor/);
  });
});

describe('string tensors through the shape-only ops', () => {
  it("reshape, flatten, expandDims and squeeze keep the strings in order, as TensorFlow's take them", () => {
    const s = tn.tensor(['a', 'b', 'c', 'd', 'e', 'f']);
    const m = tn.reshape(s, [2, -1]);
    expect(tn.isStringTensor(m)).toBe(true);
    expect(m.array()).toEqual([['a', 'b', 'c'], ['d', 'e', 'f']]);
    expect(s.reshape([3, 2]).array()).toEqual([['a', 'b'], ['c', 'd'], ['e', 'f']]);
    expect(tn.flatten(m).array()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    const column = tn.expandDims(s, -1);
    expect(column.shape).toEqual([6, 1]);
    expect(column.array()).toEqual([['a'], ['b'], ['c'], ['d'], ['e'], ['f']]);
    expect(tn.squeeze(column, 1).array()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(column.squeeze().shape).toEqual([6]);
    expect(() => tn.reshape(s, [4, 2])).toThrow('reshape: cannot reshape a tensor of shape [6] (6 elements) into [4,2] (8 elements)');
    expect(() => tn.squeeze(m, 0)).toThrow('squeeze: axis 0 of shape [2,3] has size 2, not 1');
    // keras.io's structured data pattern: a batched text column expanded to [N, 1] for a StringLookup.
    const lookup = new StringLookup({ vocabulary: ['b', 'a'] });
    expect(arr(lookup.apply(tn.expandDims(tn.tensor(['a', 'b', 'z']), -1)) as tn.Tensor)).toEqual([[2], [1], [0]]);
  });
});

describe('FarmHash Fingerprint64', () => {
  // tecnickcom/farmhash64 test/test_farmhash64.c: string_input and farmhash64string_expected, all 45 (lengths 0 to
  // 445 bytes, so every branch: 0-16, 17-32, 33-64 and the 64-byte loop; one non-ASCII character, hashed as UTF-8).
  const cases: [string, bigint][] = [
    ["", 0x9ae16a3b2f90404fn],
    ["a", 0xb3454265b6df75e3n],
    ["ab", 0xaa8d6e5242ada51en],
    ["abc", 0x24a5b3a074e7f369n],
    ["abcd", 0x1a5502de4a1f8101n],
    ["abcde", 0xc22f4663e54e04d4n],
    ["abcdef", 0xc329379e6a03c2cdn],
    ["abcdefg", 0x3c40c92b1ccb7355n],
    ["abcdefgh", 0xfee9d22990c82909n],
    ["abcdefghi", 0x332c8ed4dae5ba42n],
    ["0123456789", 0xad052244b781c4ebn],
    ["0123456789 ", 0x3ef4c03514208c77n],
    ["0123456789-0", 0x496841e83a33cc91n],
    ["0123456789~01", 0xd81bcb9f3679ac0cn],
    ["0123456789#012", 0x5da5a6a117c606f6n],
    ["0123456789@0123", 0x5361eae17c1ff6bcn],
    ["0123456789'01234", 0x4283d4ef43627f64n],
    ["0123456789=012345", 0x46a7416ed4861e3bn],
    ["0123456789+0123456", 0xa4abb4e0da2c594cn],
    ["0123456789*01234567", 0xcf1c7d3ad54f9215n],
    ["0123456789&012345678", 0x07adf50b2ac764fcn],
    ["0123456789^0123456789", 0xdebcba8e6f3eabd1n],
    ["0123456789%0123456789£", 0x4dbd128af51d77e8n],
    ["0123456789$0123456789!0", 0xd78d5f852d522e6an],
    ["size:  a.out:  bad magic", 0x80d73b843ba57db8n],
    ["Nepal premier won't resign.", 0x8eb3808d1ccfc779n],
    ["C is as portable as Stonehedge!!", 0xb944f8a16261e414n],
    ["Discard medicine more than two years old.", 0xe8f89ab6df9bdd25n],
    ["I wouldn't marry him with a ten foot pole.", 0xa9961670ce2a46d9n],
    ["If the enemy is within range, then so are you.", 0xbdd69b798d6ba37an],
    ["The major problem is with sendmail.  -Mark Horton", 0xc2f8db8624fefc0en],
    ["How can you write a big system without C++?  -Paul Glick", 0x5a0a6efd52e84e2an],
    ["He who has a shady past knows that nice guys finish last.", 0x786d7e1987023ca9n],
    ["Free! Free!/A trip/to Mars/for 900/empty jars/Burma Shave", 0x5d14f96c18fe3d5en],
    ["His money is twice tainted: 'taint yours and 'taint mine.", 0xec8848fd3b266c10n],
    ["The days of the digital watch are numbered.  -Tom Stoppard", 0x2a578b80bb82147cn],
    ["For every action there is an equal and opposite government program.", 0x55182f8859eca4cen],
    ["You remind me of a TV show, but that's all right: I watch it anyway.", 0xabcdb319fcf2826cn],
    ["It's well we cannot hear the screams/That we create in others' dreams.", 0x1d85702503ac7eb4n],
    ["Give me a rock, paper and scissors and I will move the world.  CCFestoon", 0xa2b8bf3032021993n],
    ["It's a tiny change to the code and not completely disgusting. - Bob Manchek", 0x38aa3175b37f305cn],
    ["There is no reason for any individual to have a computer in their home. -Ken Olsen, 1977", 0x7e85d7b050ed2967n],
    ["Even if I could be Shakespeare, I think I should still choose to be Faraday. - A. Huxley", 0x5a05644eb66e435en],
    ["The fugacity of a constituent in a mixture of gases at a given temperature is proportional to its mole fraction.  Lewis-Randall Rule", 0x098eff6958c5e91an],
    ["Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum.", 0xc3f02c4ffd5d71e6n],
  ];
  it.each(cases)('%#: %j', (s, want) => {
    expect(fingerprint64(new TextEncoder().encode(s))).toBe(want);
  });
});

describe('SipHash-2-4', () => {
  it('matches the test vector of the SipHash paper (Aumasson and Bernstein, appendix A)', () => {
    // Key bytes 00..0f, message bytes 00..0e.
    const message = Uint8Array.from({ length: 15 }, (_, i) => i);
    expect(sipHash24([0x0706050403020100n, 0x0f0e0d0c0b0a0908n], message)).toBe(0xa129ca6149be45e5n);
  });
});

describe('Hashing', () => {
  // Keras 3 keras/src/layers/preprocessing/hashing_test.py.
  it('gives the bins Keras asserts for strings and integers', () => {
    const words = [['omar'], ['stringer'], ['marlo'], ['wire'], ['skywalker']];
    expect(arr(new Hashing({ numBins: 2 }).apply(tn.tensor(words)))).toEqual([[0], [0], [1], [0], [0]]);
    expect(arr(new Hashing({ numBins: 2 }).apply(['omar', 'stringer', 'marlo', 'wire', 'skywalker']))).toEqual([0, 0, 1, 0, 0]);
    expect(arr(new Hashing({ numBins: 3 }).apply(tn.tensor([['A'], ['B'], ['C'], ['D'], ['E']])))).toEqual([[1], [0], [1], [1], [2]]);
    expect(arr(new Hashing({ numBins: 3 }).apply(tn.tensor([[0], [1], [2], [3], [4]], undefined, 'int32')))).toEqual([[1], [0], [1], [0], [2]]);
    expect(arr(new Hashing({ numBins: 1 }).apply(tn.tensor(words)))).toEqual([[0], [0], [0], [0], [0]]);
  });

  it('reserves bin 0 for the mask value', () => {
    const words = tn.tensor([['omar'], ['stringer'], ['marlo'], ['wire'], ['skywalker']]);
    expect(arr(new Hashing({ numBins: 3, maskValue: '' }).apply(words))).toEqual([[1], [1], [2], [1], [1]]);
    expect(arr(new Hashing({ numBins: 3, maskValue: 'omar' }).apply(words))).toEqual([[0], [1], [2], [1], [1]]);
    expect(arr(new Hashing({ numBins: 3, maskValue: '' }).apply(tn.tensor([['A'], ['B'], [''], ['C'], ['D']])))).toEqual([[1], [1], [0], [2], [2]]);
  });

  it('encodes bins as one_hot, multi_hot and count', () => {
    const ints = tn.tensor([0, 1, 2, 3, 4], undefined, 'int32');
    expect(arr(new Hashing({ numBins: 3, outputMode: 'one_hot' }).apply(ints))).toEqual([[0, 1, 0], [1, 0, 0], [0, 1, 0], [1, 0, 0], [0, 0, 1]]);
    expect(arr(new Hashing({ numBins: 3, outputMode: 'multi_hot' }).apply(tn.tensor([[0, 1, 2, 3, 4]], undefined, 'int32')))).toEqual([[1, 1, 1]]);
    expect(arr(new Hashing({ numBins: 3, outputMode: 'count' }).apply(ints))).toEqual([2, 2, 1]);
  });

  it('with a salt, gives the SipHash bins Keras asserts', () => {
    const letters = tn.tensor([['A'], ['B'], ['C'], ['D'], ['E']]);
    expect(arr(new Hashing({ numBins: 3, salt: [133, 137] }).apply(letters))).toEqual([[1], [2], [1], [0], [2]]);
    expect(arr(new Hashing({ numBins: 3, salt: 133 }).apply(letters))).toEqual([[0], [0], [2], [1], [0]]);
    const words = tn.tensor([['omar'], ['stringer'], ['marlo'], ['wire'], ['skywalker']]);
    expect(arr(new Hashing({ numBins: 2, salt: [133, 137] }).apply(words))).toEqual([[0], [1], [0], [1], [0]]);
    expect(arr(new Hashing({ numBins: 2, salt: [211, 137] }).apply(words))).toEqual([[1], [0], [1], [0], [1]]);
    expect(arr(new Hashing({ numBins: 3, salt: [133, 137] }).apply(tn.tensor([[0], [1], [2], [3], [4]], undefined, 'int32')))).toEqual([[1], [1], [2], [0], [1]]);
  });

  it('rejects bad arguments and input clearly', () => {
    expect(() => new Hashing({ numBins: 0 })).toThrow(/numBins/);
    expect(() => new Hashing({ numBins: 3, salt: [1] })).toThrow(/salt.*a pair/);
    expect(() => new Hashing({ numBins: 3 }).apply(tn.tensor([0.5]))).toThrow(/Hashing "hashing.*": expects integer values, received 0.5/);
  });
});

describe('CategoryEncoding', () => {
  it('one_hot, multi_hot and count against direct counting', () => {
    const ids = [[0, 1, 1], [3, 3, 3]];
    const x = tn.tensor(ids, undefined, 'int32');
    const count = ids.map((r) => [0, 1, 2, 3].map((k) => r.filter((v) => v === k).length));
    expect(arr(new CategoryEncoding({ numTokens: 4, outputMode: 'count' }).apply(x))).toEqual(count);
    expect(arr(new CategoryEncoding({ numTokens: 4 }).apply(x))).toEqual(count.map((r) => r.map((c) => (c > 0 ? 1 : 0))));
    expect(arr(new CategoryEncoding({ numTokens: 4, outputMode: 'one_hot' }).apply(tn.tensor([[2], [0]], undefined, 'int32')))).toEqual([[0, 0, 1, 0], [1, 0, 0, 0]]);
    const layer = new CategoryEncoding({ numTokens: 4, outputMode: 'one_hot' });
    expect(layer.computeOutputShape([null, 1])).toEqual([null, 4]);
    expect(layer.computeOutputShape([null, 3])).toEqual([null, 3, 4]);
  });

  it("sums countWeights in 'count' mode, as Keras's count_weights (the example of its docstring)", () => {
    const x = tn.tensor([[0, 1], [0, 0], [1, 2], [3, 1]], undefined, 'int32');
    const countWeights = tn.tensor([[0.1, 0.2], [0.1, 0.1], [0.2, 0.3], [0.4, 0.2]]);
    const got = new CategoryEncoding({ numTokens: 4, outputMode: 'count' }).apply(x, { countWeights } as never) as tn.Tensor;
    const want = [[0.1, 0.2, 0, 0], [0.2, 0, 0, 0], [0, 0.2, 0.3, 0], [0, 0.2, 0, 0.4]];
    (got.arraySync() as number[][]).forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(want[i][j], 6)));
    // One sample, rank 1.
    expect(arr(new CategoryEncoding({ numTokens: 3, outputMode: 'count' }).apply(tn.tensor([2, 2, 0], undefined, 'int32'), { countWeights: [1, 2, 4] } as never))).toEqual([4, 0, 3]);
    // Not used by multi_hot, as in Keras.
    expect(arr(new CategoryEncoding({ numTokens: 4 }).apply(x, { countWeights } as never))).toEqual([[1, 1, 0, 0], [1, 0, 0, 0], [0, 1, 1, 0], [0, 1, 0, 1]]);
    expect(() => new CategoryEncoding({ numTokens: 4, outputMode: 'count', name: 'enc' }).apply(x, { countWeights: tn.ones([4, 3]) } as never))
      .toThrow('Layer "enc" (CategoryEncoding): countWeights must have the inputs\' shape [4,2], received shape [4,3]');
    expect(() => new CategoryEncoding({ numTokens: 4, outputMode: 'count', name: 'cw' }).apply(x, { count_weights: countWeights } as never))
      .toThrow('Layer "cw" (CategoryEncoding) call: unrecognized option "count_weights" (did you mean countWeights?)');
    const symbolic = tn.input({ shape: [2], dtype: 'int32' });
    expect(() => new CategoryEncoding({ numTokens: 4, outputMode: 'count', name: 'sym' }).apply(symbolic, { countWeights: tn.input({ shape: [2] }) } as never))
      .toThrow(/Layer "sym" \(CategoryEncoding\): `countWeights` is a symbolic tensor/);
  });

  it('rejects ids out of range', () => {
    expect(() => new CategoryEncoding({ numTokens: 3 }).apply(tn.tensor([[3]], undefined, 'int32'))).toThrow(/id 3 is out of range for 3 bins/);
    expect(() => new CategoryEncoding({ numTokens: 3 }).apply(tn.tensor([[-1]], undefined, 'int32'))).toThrow(/id -1 is negative/);
    expect(() => new CategoryEncoding({ numTokens: 3, outputMode: 'bogus' as 'count' })).toThrow(/outputMode/);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Independent reference for the lookups: Keras's documented rules, written directly.

function referenceVocabulary(docs: string[][], maxTokens: number | null, start: number): string[] {
  const counts = new Map<string, number>();
  for (const d of docs) for (const t of d) counts.set(t, (counts.get(t) ?? 0) + 1);
  const entries = [...counts.entries()];
  // Keras: np.lexsort((tokens, counts))[::-1], i.e. ascending by (count, token), reversed.
  entries.sort((a, b) => (a[1] !== b[1] ? a[1] - b[1] : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  entries.reverse();
  const tokens = entries.map((e) => e[0]);
  return maxTokens === null ? tokens : tokens.slice(0, maxTokens - start);
}

function referenceIdf(docs: string[][], tokens: string[]): number[] {
  return tokens.map((t) => Math.log(1 + docs.length / (1 + docs.filter((d) => d.includes(t)).length)));
}

describe('StringLookup', () => {
  const corpus = [['b', 'a', 'c'], ['a', 'c', 'd'], ['c', 'e', 'b'], ['a', 'b', 'c']];

  it('adapt orders the vocabulary by count, ties by token descending, and cuts at maxTokens', () => {
    const layer = new StringLookup({ maxTokens: 5 });
    layer.adapt(corpus);
    const want = referenceVocabulary(corpus, 5, 1);
    expect(want).toEqual(['c', 'b', 'a', 'e']);
    expect(layer.getVocabulary()).toEqual(['[UNK]', ...want]);
    expect(layer.getVocabulary(false)).toEqual(want);
    expect(layer.vocabularySize()).toBe(5);
    expect(arr(layer.apply(tn.tensor([['a', 'zzz'], ['d', 'c']])))).toEqual([[3, 0], [0, 1]]);
  });

  it('maps the mask token to 0 and OOV after it, and inverts', () => {
    const layer = new StringLookup({ vocabulary: ['x', 'y'], maskToken: '', numOovIndices: 1 });
    expect(layer.getVocabulary()).toEqual(['', '[UNK]', 'x', 'y']);
    expect(arr(layer.apply(tn.tensor(['y', '', 'q', 'x'])))).toEqual([3, 0, 1, 2]);
    const inv = new StringLookup({ vocabulary: ['x', 'y'], maskToken: '', invert: true });
    expect(arr(inv.apply(tn.tensor([3, 0, 1, 2, 9], undefined, 'int32')))).toEqual(['y', '', '[UNK]', 'x', '[UNK]']);
  });

  it('hashes OOV tokens into numOovIndices buckets with FarmHash', () => {
    const layer = new StringLookup({ vocabulary: ['x'], numOovIndices: 3 });
    const oov = ['omar', 'stringer', 'marlo'];
    const want = oov.map((s) => Number(fingerprint64(new TextEncoder().encode(s)) % 3n));
    expect(arr(layer.apply(tn.tensor(oov)))).toEqual(want);
    expect(arr(layer.apply(tn.tensor(['x'])))).toEqual([3]);
  });

  it('multi_hot, count, one_hot and tf_idf outputs', () => {
    const vocab = ['a', 'b', 'c'];
    const x = tn.tensor([['a', 'a', 'q'], ['c', 'b', 'a']]);
    expect(arr(new StringLookup({ vocabulary: vocab, outputMode: 'count' }).apply(x))).toEqual([[1, 2, 0, 0], [0, 1, 1, 1]]);
    expect(arr(new StringLookup({ vocabulary: vocab, outputMode: 'multi_hot' }).apply(x))).toEqual([[1, 1, 0, 0], [0, 1, 1, 1]]);
    expect(arr(new StringLookup({ vocabulary: vocab, outputMode: 'one_hot' }).apply(tn.tensor([['b'], ['z']])))).toEqual([[0, 0, 1, 0], [1, 0, 0, 0]]);
    // The mask token is dropped outside int mode.
    expect(arr(new StringLookup({ vocabulary: vocab, maskToken: '', outputMode: 'count' }).apply(tn.tensor([['a', '', '']])))).toEqual([[0, 1, 0, 0]]);

    const layer = new StringLookup({ outputMode: 'tf_idf' });
    layer.adapt(corpus);
    const tokens = referenceVocabulary(corpus, null, 1);
    const idf = referenceIdf(corpus, tokens);
    const mean = idf.reduce((a, b) => a + b, 0) / idf.length;
    const weights = [mean, ...idf];
    const doc = ['c', 'c', 'd', 'zz'];
    const vocabAll = ['[UNK]', ...tokens];
    const want = vocabAll.map((t, k) => (k === 0 ? doc.filter((d) => !tokens.includes(d)).length : doc.filter((d) => d === t).length) * weights[k]);
    const got = layer.apply(tn.tensor([doc])).array() as number[][];
    got[0].forEach((g, k) => expect(g).toBeCloseTo(want[k], 5));
  });

  it('rejects bad vocabularies, OOV with no buckets and a second adapt over a vocabulary', () => {
    expect(() => new StringLookup({ vocabulary: ['a', 'a'] })).toThrow(/repeated term.*"a"/);
    expect(() => new StringLookup({ vocabulary: ['a', ''], maskToken: '' })).toThrow(/reserved mask token/);
    expect(() => new StringLookup({ vocabulary: ['a', 'b', 'c'], maxTokens: 3 })).toThrow(/larger than the maximum vocab size/);
    expect(() => new StringLookup({ vocabulary: ['a'], numOovIndices: 0 }).apply(tn.tensor(['b']))).toThrow(/numOovIndices=0.*"b"/);
    expect(() => new StringLookup({ vocabulary: ['a'] }).adapt([['a']])).toThrow(/Cannot adapt/);
    expect(() => new StringLookup({ outputMode: 'multi_hot' }).apply(tn.tensor([['a']]))).toThrow(/has no vocabulary.*adapt/);
    expect(() => new TextVectorization().apply(tn.tensor(['a b']))).toThrow(/Layer "text_vectorization[_0-9]*" \(TextVectorization\): the layer has no vocabulary/);
    expect(() => new StringLookup({ vocabulary: ['a'] }).apply(tn.tensor([1]))).toThrow(/expects string input/);
    expect(() => new StringLookup({ vocabulary: ['a'], outputMode: 'tf_idf' })).toThrow(/idfWeights/);
  });
});

describe('IntegerLookup', () => {
  it('adapts on integers, OOV -1 at index 0, floormod OOV buckets', () => {
    const layer = new IntegerLookup();
    layer.adapt(tn.tensor([[12, 1138, 42], [42, 1000, 36]], undefined, 'int32'));
    // Counts: 42 twice; the rest once, ties by value descending.
    expect(layer.getVocabulary()).toEqual([-1, 42, 1138, 1000, 36, 12]);
    expect(arr(layer.apply(tn.tensor([[12, 1000, 36], [43, 1138, 42]], undefined, 'int32')))).toEqual([[5, 3, 4], [0, 2, 1]]);
    const buckets = new IntegerLookup({ vocabulary: [5], numOovIndices: 2, maskToken: 0 });
    expect(arr(buckets.apply(tn.tensor([5, 7, 8, 0, -3], undefined, 'int32')))).toEqual([3, 1 + 1, 1 + 0, 0, 1 + 1]);
    expect(() => new IntegerLookup({ vocabulary: [1] }).apply(tn.tensor(['a']))).toThrow(/expects integer input/);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// TextVectorization against a direct reference

function referenceTokens(text: string, ngrams: number[] | null): string[] {
  // Keras: tf.strings.lower (ASCII letters only), then DEFAULT_STRIP_REGEX, then tf.strings.split (ASCII whitespace).
  let s = '';
  for (const ch of text) s += ch >= 'A' && ch <= 'Z' ? String.fromCharCode(ch.charCodeAt(0) + 32) : ch;
  s = s.replace(/[!"#$%&()*+,\-./:;<=>?@[\\\]^_`{|}~']/g, '');
  const words = s.split(/[ \t\n\r\f\v]+/).filter(Boolean);
  if (!ngrams) return words;
  const out: string[] = [];
  for (const n of ngrams) for (let i = 0; i + n <= words.length; i++) out.push(words.slice(i, i + n).join(' '));
  return out;
}

describe('TextVectorization', () => {
  const corpus = ['The cat sat.', 'The dog sat!', 'A cat, a DOG; the end', "cat's tail", 'Ärger\u00a0und the cat'];

  it('standardizes, splits, adapts and pads/truncates int sequences', () => {
    const layer = new TextVectorization({ outputSequenceLength: 4 });
    layer.adapt(corpus);
    const docs = corpus.map((t) => referenceTokens(t, null));
    const tokens = referenceVocabulary(docs, null, 2);
    expect(layer.getVocabulary()).toEqual(['', '[UNK]', ...tokens]);
    // As Keras (tf.strings.lower, tf.strings.split): 'Ä' is not lowercased, a no-break space does not split.
    expect(layer.getVocabulary()).toContain('Ärger\u00a0und');
    const ids = (doc: string[]) => doc.map((t) => (tokens.includes(t) ? tokens.indexOf(t) + 2 : 1));
    const texts = ['the cat sat on the mat', 'Dog!'];
    const want = texts.map((t) => {
      const r = ids(referenceTokens(t, null)).slice(0, 4);
      return [...r, ...new Array(4 - r.length).fill(0)];
    });
    const out = layer.apply(tn.tensor(texts));
    expect(out.dtype).toBe('int32');
    expect(arr(out)).toEqual(want);
    // Without outputSequenceLength the batch's longest text sets the length; [batch, 1] input works too.
    const free = new TextVectorization({ vocabulary: tokens });
    expect(arr(free.apply(tn.tensor([['the cat'], ['a dog sat the']])))).toEqual([[...ids(['the', 'cat']), 0, 0], ids(['a', 'dog', 'sat', 'the'])]);
  });

  it('ngrams, maxTokens, the other standardize and split modes', () => {
    const layer = new TextVectorization({ ngrams: 2, maxTokens: 8 });
    layer.adapt(corpus);
    const docs = corpus.map((t) => referenceTokens(t, [1, 2]));
    expect(layer.getVocabulary()).toEqual(['', '[UNK]', ...referenceVocabulary(docs, 8, 2)]);
    expect(layer.vocabularySize()).toBe(8);

    const chars = new TextVectorization({ split: 'character', standardize: 'lower', vocabulary: ['a', 'b'] });
    expect(arr(chars.apply(tn.tensor(['Ab!', 'b'])))).toEqual([[2, 3, 1], [3, 0, 0]]);
    const keep = new TextVectorization({ standardize: null, split: null, vocabulary: ['Hi there', 'x'] });
    expect(arr(keep.apply(tn.tensor(['Hi there', 'hi there'])))).toEqual([2, 1]);
    // A single text (a scalar string) gives one sample without a batch axis.
    const one = new TextVectorization({ vocabulary: ['a', 'b'], outputSequenceLength: 3 });
    expect(arr(one.apply(tn.tensor('b a')))).toEqual([3, 2, 0]);
    expect(arr(new TextVectorization({ vocabulary: ['a', 'b'], outputMode: 'count' }).apply(tn.tensor('b a b')))).toEqual([0, 1, 2]);
    const strip = new TextVectorization({ standardize: 'strip_punctuation', vocabulary: ['Hi'] });
    expect(arr(strip.apply(tn.tensor(['Hi, hi.'])))).toEqual([[2, 1]]);
    const custom = new TextVectorization({ standardize: (s) => s.toUpperCase(), split: (s) => s.split('-'), vocabulary: ['A', 'B'] });
    expect(arr(custom.apply(tn.tensor(['a-b-c'])))).toEqual([[2, 3, 1]]);
  });

  it('multi_hot, count and tf_idf against the reference', () => {
    const docs = corpus.map((t) => referenceTokens(t, null));
    const tokens = referenceVocabulary(docs, null, 1);
    const text = 'the cat and the cat';
    const toks = referenceTokens(text, null);
    const counts = ['[UNK]', ...tokens].map((t, k) => (k === 0 ? toks.filter((w) => !tokens.includes(w)).length : toks.filter((w) => w === t).length));

    const count = new TextVectorization({ outputMode: 'count' });
    count.adapt(corpus);
    expect(count.getVocabulary()).toEqual(['[UNK]', ...tokens]);
    expect(arr(count.apply(tn.tensor([text])))).toEqual([counts]);
    const multi = new TextVectorization({ outputMode: 'multi_hot', vocabulary: tokens });
    expect(arr(multi.apply(tn.tensor([text, ''])))).toEqual([counts.map((c) => (c > 0 ? 1 : 0)), counts.map(() => 0)]);

    const tfidf = new TextVectorization({ outputMode: 'tf_idf' });
    tfidf.adapt(tn.tensor(corpus));
    const idf = referenceIdf(docs, tokens);
    const weights = [idf.reduce((a, b) => a + b, 0) / idf.length, ...idf];
    const got = (tfidf.apply(tn.tensor([text])).array() as number[][])[0];
    got.forEach((g, k) => expect(g).toBeCloseTo(counts[k] * weights[k], 5));
  });

  it('rejects bad arguments and input clearly', () => {
    expect(() => new TextVectorization({ outputMode: 'count', outputSequenceLength: 3 })).toThrow(/outputSequenceLength/);
    expect(() => new TextVectorization({ split: 'comma' as 'whitespace' })).toThrow(/split/);
    expect(() => new TextVectorization({ ngrams: 0 })).toThrow(/ngrams/);
    expect(() => new TextVectorization({ vocabulary: ['a'] }).apply(tn.tensor([1, 2]))).toThrow(/TextVectorization\): expects strings/);
    expect(() => new TextVectorization({ vocabulary: ['a'] }).apply(tn.tensor([['a', 'b']]))).toThrow(/\[batch\] or \[batch, 1\]/);
    const custom = new TextVectorization({ standardize: (s) => s, vocabulary: ['a'] });
    expect(() => custom.getConfig()).toThrow(/custom `standardize` function/);
  });

  it("saves a custom standardize / split function registered as Keras's @register_keras_serializable, by its name", async () => {
    // keras.io's text_classification_from_scratch: lowercase, drop '<br />', strip punctuation.
    function stripHtml(text: string): string {
      return text.toLowerCase().replaceAll('<br />', ' ').replace(/[!.,]/g, '');
    }
    const splitDashes = (text: string) => text.split(/[-\s]+/).filter((t) => t);
    tn.saving.registerKerasSerializable(stripHtml);
    tn.saving.registerKerasSerializable(splitDashes, { package: 'MyText', name: 'split_dashes' });
    const vectorize = new TextVectorization({ standardize: stripHtml, split: splitDashes, outputSequenceLength: 4 });
    vectorize.adapt(['Good-movie<br />great', 'bad, BAD movie']);
    expect(vectorize.getConfig()).toMatchObject({
      standardize: { module: null, class_name: 'function', config: 'Custom>stripHtml', registered_name: 'Custom>stripHtml' },
      split: { class_name: 'function', registered_name: 'MyText>split_dashes' },
    });
    const input = tn.input({ shape: [1], dtype: 'string' });
    const model = new tn.Model({ inputs: input, outputs: vectorize.apply(input) });
    const texts = tn.tensor([['GOOD-movie!'], ['bad<br />great']]);
    const want = (model.predict(texts) as tn.Tensor).arraySync();
    expect(want).toEqual([[vectorize.getVocabulary().indexOf('good'), vectorize.getVocabulary().indexOf('movie'), 0, 0], [vectorize.getVocabulary().indexOf('bad'), vectorize.getVocabulary().indexOf('great'), 0, 0]]);
    for (const path of [join(root, 'standardize.keras'), join(root, 'standardize-folder')]) {
      await model.save(path);
      const loaded = await tn.models.loadModel(path);
      expect((loaded.predict(texts) as tn.Tensor).arraySync(), path).toEqual(want);
    }
    // A file naming a function this program never registered says so.
    const config = { ...vectorize.getConfig(), standardize: { module: null, class_name: 'function', config: 'Custom>nowhere', registered_name: 'Custom>nowhere' } };
    expect(() => new TextVectorization(config as never)).toThrow(/TextVectorization ".*": standardize names the function "Custom>nowhere", which is not registered: call tn\.saving\.registerKerasSerializable/);
    const unregistered = new TextVectorization({ standardize: (s) => s, vocabulary: ['a'] });
    expect(() => unregistered.getConfig()).toThrow(/custom `standardize` function, which a config can only name: register it with tn\.saving\.registerKerasSerializable/);
  });

  it('a string model (TextVectorization -> Embedding -> pooling -> Dense) trains, predicts in batches, saves and loads', async () => {
    const texts = ['good great fine', 'great good', 'fine good nice', 'bad awful', 'awful terrible bad', 'terrible bad'];
    const labels = tn.tensor([[1], [1], [1], [0], [0], [0]]);
    const vectorize = new TextVectorization({ maxTokens: 20, outputSequenceLength: 4 });
    vectorize.adapt(texts);
    const input = tn.input({ shape: [], dtype: 'string' });
    let h = vectorize.apply(input);
    h = new tn.layers.Embedding({ inputDim: 20, outputDim: 8 }).apply(h);
    h = new tn.layers.GlobalAveragePooling1D().apply(h);
    const out = new tn.layers.Dense({ units: 1, activation: 'sigmoid' }).apply(h);
    const model = tn.model({ inputs: input, outputs: out });
    model.compile({ optimizer: new tn.optimizers.Adam({ learningRate: 0.05 }), loss: 'binaryCrossentropy' });
    const x = tn.tensor(texts);
    const [before] = await model.evaluate(x, labels, { verbose: 0 });
    await model.fit(x, labels, { epochs: 40, batchSize: 4, shuffle: true, verbose: 0 });
    const [after] = await model.evaluate(x, labels, { verbose: 0 });
    expect(after).toBeLessThan(before / 2);
    const pred = model.predict(x, { batchSize: 4 }) as tn.Tensor;
    expect(pred.shape).toEqual([6, 1]);

    for (const path of [join(root, 'tfjs'), join(root, 'm.keras')]) {
      await model.save(path);
      const loaded = await tn.models.loadModel(path);
      const tv = loaded.layers.find((l) => l instanceof TextVectorization) as InstanceType<typeof TextVectorization>;
      expect(tv.getVocabulary()).toEqual(vectorize.getVocabulary());
      expect(Array.from((loaded.predict(x) as tn.Tensor).data())).toEqual(Array.from(pred.data()));
    }
  });

  it('a tf_idf StringLookup keeps its idf weights through a saved config', () => {
    const layer = new StringLookup({ outputMode: 'tf_idf' });
    layer.adapt([['a', 'b'], ['a'], ['c']]);
    const copy = new StringLookup(layer.getConfig() as ConstructorParameters<typeof StringLookup>[0]);
    expect(copy.getVocabulary()).toEqual(layer.getVocabulary());
    const x = tn.tensor([['a', 'c', 'q']]);
    expect(copy.apply(x).array()).toEqual(layer.apply(x).array());
  });
});

describe('configs', () => {
  it('every class gives back an equal layer through the Keras mapping, vocabulary included', async () => {
    const { layerFromKeras, layerToKeras } = await import('../../lib/io/keras-config.js');
    const adapted = new IntegerLookup({ maxTokens: 4, numOovIndices: 2, maskToken: 0, outputMode: 'count' });
    adapted.adapt(tn.tensor([[3, 3, 5], [7, 5, 3]], undefined, 'int32'));
    const text = new TextVectorization({ maxTokens: 10, ngrams: [1, 3], standardize: 'lower', split: 'character', outputSequenceLength: 5 });
    text.adapt(['abc', 'abd']);
    const layers: tn.Layer[] = [
      new CategoryEncoding({ numTokens: 5, outputMode: 'count' }), new Hashing({ numBins: 7, maskValue: 'x', outputMode: 'one_hot', salt: [5, 9] }),
      new StringLookup({ vocabulary: ['p', 'q'], oovToken: '?', invert: true }), adapted, text,
      new TextVectorization({ outputMode: 'tf_idf', vocabulary: ['a', 'b'], idfWeights: [0.5, 0.25] }),
    ];
    const inputs: tn.Tensor[] = [
      tn.tensor([[1, 4, 4]], undefined, 'int32'), tn.tensor([['x'], ['y']]), tn.tensor([0, 1, 2], undefined, 'int32'),
      tn.tensor([[3, 9, 5, 0]], undefined, 'int32'), tn.tensor(['abd ab', 'c']), tn.tensor(['a b b z']),
    ];
    layers.forEach((layer, i) => {
      const copy = layerFromKeras(layerToKeras(layer), 'test');
      expect(copy.getConfig()).toEqual(layer.getConfig());
      expect(copy.apply(inputs[i]).array()).toEqual(layer.apply(inputs[i]).array());
    });
    expect(() => layerFromKeras({ class_name: 'TextVectorization', config: { name: 'tv', ragged: true, vocabulary: ['a'] } }, 'file')).toThrow(/ragged/);
    // tf_idf with a given vocabulary without special entries: the OOV weight is the mean (Keras's rule).
    expect((layers[5].apply(inputs[5]).array() as number[][])[0]).toEqual([0.375, 0.5, 0.5]);
  });
});

describe('a .keras file as Keras 3 writes an adapted vocabulary', () => {
  it("reads the vocabulary from assets/layers/<name>/vocabulary.txt when the config has none (Keras's save_assets)", async () => {
    const { strFromU8, strToU8, unzipSync, zipSync } = await import('fflate');
    const { readFileSync, writeFileSync } = await import('node:fs');
    const vectorize = new TextVectorization({ outputSequenceLength: 4, name: 'vectorize' });
    vectorize.adapt(['the cat sat', 'the dog', 'a cat']);
    const lookup = new StringLookup({ name: 'lookup', maskToken: '' });
    lookup.adapt([['x', 'y', 'y']]);
    const text = tn.input({ shape: [], dtype: 'string' });
    const word = tn.input({ shape: [1], dtype: 'string' });
    const model = tn.model({ inputs: [text, word], outputs: [vectorize.apply(text), lookup.apply(word)] });
    const path = join(root, 'assets.keras');
    await model.save(path);
    // Rewrite it as Keras does: no vocabulary in the configs, the vocabulary (special entries first) in assets/.
    const files = unzipSync(readFileSync(path));
    const config = JSON.parse(strFromU8(files['config.json']));
    for (const layer of config.config.layers) if (layer.config.vocabulary) layer.config.vocabulary = null;
    files['config.json'] = strToU8(JSON.stringify(config));
    files['assets/layers/vectorize/vocabulary.txt'] = strToU8(vectorize.getVocabulary().join('\n'));
    files['assets/layers/lookup/vocabulary.txt'] = strToU8(lookup.getVocabulary().join('\n'));
    writeFileSync(path, zipSync(files));
    const loaded = await tn.models.loadModel(path);
    const x = [tn.tensor(['the cat', 'a dog sat there', '']), tn.tensor([['y'], ['z'], ['']])];
    const want = model.predict(x) as tn.Tensor[];
    const got = loaded.predict(x) as tn.Tensor[];
    expect(got.map((t) => t.array())).toEqual(want.map((t) => t.array()));
    expect((loaded.getLayer('vectorize') as InstanceType<typeof TextVectorization>).getVocabulary()).toEqual(vectorize.getVocabulary());

    // Without the asset, the layer has no vocabulary and says so when called.
    delete files['assets/layers/vectorize/vocabulary.txt'];
    writeFileSync(path, zipSync(files));
    const bare = await tn.models.loadModel(path);
    expect(() => bare.predict(x)).toThrow(/"vectorize" \(TextVectorization\): the layer has no vocabulary/);
  });
});

describe('string input to a Sequential model', () => {
  it('an InputLayer with dtype string feeds StringLookup and batches through predict', () => {
    const model = new tn.Sequential({ layers: [new tn.layers.InputLayer({ shape: [2], dtype: 'string' }), new StringLookup({ vocabulary: ['a', 'b', 'c'] })] });
    const x = tn.tensor([['a', 'b'], ['c', 'q'], ['b', 'b']]);
    expect((model.predict(x, { batchSize: 2 }) as tn.Tensor).array()).toEqual([[1, 2], [3, 0], [2, 2]]);
    expect(() => new tn.layers.InputLayer({ shape: [1], dtype: 'float64' as 'float32' })).toThrow(/'int32' \/ 'string'/);
  });
});

describe('adapt on a tn.data Dataset (Keras: layer.adapt(ds.map((x, y) => x)))', () => {
  it('TextVectorization, StringLookup and Normalization learn from a dataset what they learn from the same data at once', async () => {
    const texts = ['the cat sat', 'the dog ran', 'a cat ran far', 'the end'];
    const labels = [0, 1, 0, 1];
    const direct = new TextVectorization({ maxTokens: 20 });
    direct.adapt(texts);
    const fromDataset = new TextVectorization({ maxTokens: 20 });
    // A dataset of [text, label] pairs, batched: adapt takes the x of each element.
    const ds = tn.data.zip([tn.data.array(texts), tn.data.array(labels)]).batch(3);
    await fromDataset.adapt(ds);
    expect(fromDataset.getVocabulary()).toEqual(direct.getVocabulary());
    // Unbatched strings work too, alone or as [text, label] pairs.
    const single = new TextVectorization({ maxTokens: 20 });
    await single.adapt(tn.data.array(texts));
    expect(single.getVocabulary()).toEqual(direct.getVocabulary());
    const pairs = new TextVectorization({ maxTokens: 20 });
    await pairs.adapt(tn.data.zip([tn.data.array(texts), tn.data.array(labels)]));
    expect(pairs.getVocabulary()).toEqual(direct.getVocabulary());

    const lookup = new StringLookup();
    await lookup.adapt(tn.data.array(['b', 'a', 'b', 'c', 'b', 'a']).batch(4));
    expect(lookup.getVocabulary()).toEqual(['[UNK]', 'b', 'a', 'c']);

    const rows = [[1, 10], [2, 20], [3, 30], [6, 60]];
    const norm = new tn.layers.Normalization();
    await norm.adapt(tn.data.array(rows.map((r) => tn.tensor(r))).batch(3));
    const ref = new tn.layers.Normalization();
    ref.adapt(tn.tensor(rows));
    expect(Array.from(norm.getWeights()[0].data())).toEqual(Array.from(ref.getWeights()[0].data()));
    // Until adapt(dataset) settles the layer refuses to run (it would normalize with mean 0 and variance 1), then runs.
    const early = new tn.layers.Normalization({ name: 'early' });
    const adapting = early.adapt(tn.data.array(rows.map((r) => tn.tensor(r))).batch(3));
    expect(() => early.apply(tn.tensor(rows))).toThrow('Layer "early" (Normalization): adapt() is still reading its dataset; await it (adapt(dataset) returns a promise) before using the layer');
    await adapting;
    expect(Array.from(early.apply(tn.tensor(rows)).data())).toEqual(Array.from(ref.apply(tn.tensor(rows)).data()));
    for (let i = 0; i < 2; i++) expect(norm.getWeights()[1].data()[i]).toBeCloseTo(ref.getWeights()[1].data()[i], 5);

    // Elements of rank 1 are samples, as Keras reads them: rows one by one give the features' statistics, while
    // batches of scalars of uneven sizes are an error that says how to adapt on one feature.
    const one = new tn.layers.Normalization();
    await one.adapt(tn.data.array(rows.map((r) => tn.tensor(r))));
    expect(Array.from(one.getWeights()[0].data())).toEqual(Array.from(ref.getWeights()[0].data()));
    const scalars = tn.data.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).batch(4);
    await expect(new tn.layers.Normalization({ name: 'scalars' }).adapt(scalars)).rejects.toThrow(
      'Layer "scalars" (Normalization): the layer was built with input shape (4,), but adapt() received data of shape [2] (the kept axes [0] must match). '
        + 'Each element of rank 1 is one sample, its values the features; for batches of one feature, expand them to [batch, 1]');
    const column = new tn.layers.Normalization();
    await column.adapt(scalars.map((x) => tn.expandDims(x as tn.Tensor, -1)));
    expect(Array.from(column.getWeights()[0].data())).toEqual([5.5]);
    const whole = new tn.layers.Normalization({ axis: null });
    await whole.adapt(scalars);
    expect(Array.from(whole.getWeights()[0].data())).toEqual([5.5]);

    await expect(new TextVectorization().adapt(tn.data.array([] as string[]))).rejects.toThrow(/adapt\(\) received a dataset with no elements/);
    // A misspelt option is refused at adapt(), which runs before the layer's first call.
    expect(() => new TextVectorization({ max_tokens: 5 } as never).adapt(texts)).toThrow(/unrecognized option "max_tokens" \(did you mean maxTokens\?\)/);
  });

  it("reads only the first `steps` batches given adapt(ds, { steps }), Keras's adapt(data, steps=...)", async () => {
    const texts = ['a b', 'b c', 'x y', 'y z'];
    const two = new TextVectorization();
    await two.adapt(tn.data.array(texts).batch(2), { steps: 1 });
    expect(two.getVocabulary()).toEqual(['', '[UNK]', 'b', 'c', 'a']);
    // tf.keras 2's batchSize changes nothing.
    const all = new TextVectorization();
    all.adapt(texts, { batchSize: 2 });
    expect(all.getVocabulary()).toHaveLength(8);
    const lookup = new StringLookup();
    await lookup.adapt(tn.data.array(['a', 'a', 'b', 'z']).batch(2), { steps: 1 });
    expect(lookup.getVocabulary()).toEqual(['[UNK]', 'a']);
    const norm = new tn.layers.Normalization();
    await norm.adapt(tn.data.array([[1], [2], [3], [100]]).batch(2), { steps: 1 });
    expect(Array.from(norm.getWeights()[0].data())).toEqual([1.5]);
    const bins = new tn.layers.Discretization({ numBins: 2 });
    await bins.adapt(tn.data.array([[1], [2], [3], [4], [100], [200]]).batch(4), { steps: 1 });
    expect(Array.from(bins.apply(tn.tensor([[2], [50]])).data())).toEqual([1, 1]);
    expect(() => new TextVectorization().adapt(texts, { step: 1 } as never)).toThrow(/TextVectorization ".*" adapt: unrecognized option "step"/);
    expect(() => new tn.layers.Normalization({ name: 'n' }).adapt(tn.tensor([[1]]), { steps: 0 })).toThrow('Layer "n" (Normalization) adapt: steps must be a positive integer or null, received 0');
  });
});
