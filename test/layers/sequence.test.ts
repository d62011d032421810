// 1-D layers for sequences (text, audio): Conv1D, pooling over steps, against float64 references.
import { beforeEach, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { gradCheck, randomTensor, variableGradCheck } from '../helpers/gradcheck.js';

const { Conv1D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D, Embedding, Dense } = tn.layers;

beforeEach(() => {
  tn.clearSession();
  tn.setSeed(5);
});

/** Keras's Conv1D in float64: x [n, steps, c], kernel [k, c, f]; 'same' puts the odd pad at the end, 'causal' all at the start. */
function conv1dReference(x: tn.Tensor, kernel: tn.Tensor, bias: tn.Tensor, stride: number, dilation: number, padding: string): { shape: number[]; data: number[] } {
  const [n, steps, c] = x.shape;
  const [k, , f] = kernel.shape;
  const xv = x.data();
  const kv = kernel.data();
  const bv = bias.data();
  const span = dilation * (k - 1) + 1;
  let before = 0;
  let out: number;
  if (padding === 'valid') out = Math.floor((steps - span) / stride) + 1;
  else if (padding === 'causal') {
    before = span - 1;
    out = Math.floor((steps + before - span) / stride) + 1;
  } else {
    out = Math.ceil(steps / stride);
    before = Math.floor(Math.max(0, (out - 1) * stride + span - steps) / 2);
  }
  const data: number[] = [];
  for (let b = 0; b < n; b++) {
    for (let t = 0; t < out; t++) {
      for (let o = 0; o < f; o++) {
        let s = bv[o];
        for (let j = 0; j < k; j++) {
          const src = t * stride + j * dilation - before;
          if (src < 0 || src >= steps) continue;
          for (let i = 0; i < c; i++) s += xv[(b * steps + src) * c + i] * kv[(j * c + i) * f + o];
        }
        data.push(s);
      }
    }
  }
  return { shape: [n, out, f], data };
}

describe('Conv1D', () => {
  for (const [padding, stride, dilation] of [['valid', 1, 1], ['same', 1, 1], ['same', 2, 1], ['causal', 1, 2], ['valid', 3, 1], ['causal', 1, 1]] as const) {
    it(`matches a float64 reference and finite differences (${padding}, stride ${stride}, dilation ${dilation})`, () => {
      const layer = new Conv1D(4, 3, { padding, strides: stride, dilationRate: dilation });
      const x = randomTensor([2, 9, 3], 1);
      layer.apply(x);
      const [kernel, bias] = [randomTensor([3, 3, 4], 2), randomTensor([4], 3)];
      layer.setWeights([kernel, bias]);
      const y = layer.apply(x) as tn.Tensor;
      const want = conv1dReference(x, kernel, bias, stride, dilation, padding);
      expect(y.shape).toEqual(want.shape);
      expect(layer.computeOutputShape([null, 9, 3])).toEqual([null, want.shape[1], 4]);
      const got = y.data();
      want.data.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 4));
      gradCheck((xx: tn.Tensor) => layer.apply(xx) as tn.Tensor, [x]);
    });
  }

  it('gives the kernel and the bias the gradients of finite differences', () => {
    const layer = new Conv1D(2, 2, { padding: 'causal', activation: 'tanh' });
    const x = randomTensor([2, 5, 3], 4);
    layer.apply(x);
    layer.setWeights([randomTensor([2, 3, 2], 5, -0.5, 0.5), randomTensor([2], 6, -0.5, 0.5)]);
    variableGradCheck(() => layer.apply(x) as tn.Tensor, layer.trainableWeights);
  });

  it('rejects bad arguments and inputs with Keras-style messages', () => {
    expect(() => new Conv1D(4, 3, { padding: 'full' as never })).toThrow(/Conv1D: received an invalid value for `padding`/);
    expect(() => new Conv1D(4, [3, 3] as never)).toThrow(/`kernelSize`/);
    expect(() => new Conv1D(4, 3).apply(tn.zeros([2, 5, 5, 1]))).toThrow(/expected ndim=3/);
    expect(() => new Conv1D(4, 7).apply(tn.zeros([2, 5, 1]))).toThrow(/does not fit/);
  });
});

describe('1-D pooling', () => {
  it('MaxPooling1D and AveragePooling1D pool windows of steps; the global ones pool all of them', () => {
    const x = tn.tensor([[[1, -1], [3, -3], [2, -2], [5, -5], [4, -4]]]);
    expect((new MaxPooling1D(2).apply(x) as tn.Tensor).array()).toEqual([[[3, -1], [5, -2]]]);
    expect((new MaxPooling1D({ poolSize: 2, padding: 'same' }).apply(x) as tn.Tensor).array()).toEqual([[[3, -1], [5, -2], [4, -4]]]);
    expect((new AveragePooling1D(2, { strides: 1 }).apply(x) as tn.Tensor).array()).toEqual([[[2, -2], [2.5, -2.5], [3.5, -3.5], [4.5, -4.5]]]);
    expect((new GlobalAveragePooling1D().apply(x) as tn.Tensor).array()).toEqual([[3, -3]]);
    expect((new GlobalMaxPooling1D({ keepdims: true }).apply(x) as tn.Tensor).array()).toEqual([[[5, -1]]]);
    expect(new MaxPooling1D(2).computeOutputShape([null, 5, 2])).toEqual([null, 2, 2]);
    gradCheck((xx: tn.Tensor) => new AveragePooling1D(3, { strides: 2, padding: 'same' }).apply(xx) as tn.Tensor, [randomTensor([2, 7, 3], 9)]);
  });

  it('global 1-D pooling takes dataFormat: channels first pools axis 2', () => {
    const x = tn.tensor([[[1, -1], [3, -3], [2, -2], [5, -5], [4, -4]]]);
    const xf = tn.transpose(x, [0, 2, 1]);
    expect((new GlobalAveragePooling1D({ dataFormat: 'channels_first' }).apply(xf) as tn.Tensor).array()).toEqual([[3, -3]]);
    expect((new GlobalMaxPooling1D({ dataFormat: 'channelsFirst', keepdims: true }).apply(xf) as tn.Tensor).array()).toEqual([[[5], [-1]]]);
    expect(new GlobalMaxPooling1D({ dataFormat: 'channels_first', keepdims: true }).computeOutputShape([null, 2, 5])).toEqual([null, 2, 1]);
    expect(new GlobalMaxPooling1D({ dataFormat: 'channels_first' }).getConfig()).toMatchObject({ dataFormat: 'channels_first', keepdims: false });
    expect(() => new GlobalMaxPooling1D({ dataFormat: 'channels_middle' as never })).toThrow(/GlobalMaxPooling1D: received an invalid value for `dataFormat`/);
  });

  it('a text classifier learns: Embedding → Conv1D → GlobalMaxPooling1D → Dense', async () => {
    // Does the bigram (1, 2) occur? Only a window of two tokens can tell.
    const n = 256;
    const t = 10;
    const ids = new Int32Array(n * t);
    const labels = new Float32Array(n);
    let s = 3;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < t; k++) ids[i * t + k] = 1 + ((s = (s * 1103515245 + 12345) >>> 0) % 3) * 2;
      if (i % 2 === 0) {
        const at = s % (t - 1);
        ids[i * t + at] = 1;
        ids[i * t + at + 1] = 2;
        labels[i] = 1;
      }
    }
    const model = new tn.Sequential([
      new Embedding(8, 8, { inputLength: t }),
      new Conv1D(16, 2, { activation: 'relu' }),
      new GlobalMaxPooling1D(),
      new Dense(1, { activation: 'sigmoid' }),
    ]);
    model.compile({ optimizer: new tn.optimizers.Adam({ learningRate: 0.02 }), loss: 'binary_crossentropy', metrics: ['accuracy'] });
    const history = await model.fit(tn.tensor(ids, [n, t], 'int32'), tn.tensor(labels, [n, 1]), { epochs: 20, batchSize: 32, verbose: 0 });
    expect(history.history.accuracy[19]).toBeGreaterThan(0.97);
  });
});

describe('1-D errors in the layer\'s own terms', () => {
  it('a kernel or pool window longer than the sequence names the layer and the shapes the user gave, not the 2-D op inside', () => {
    const x = tn.randomNormal([2, 5, 3]);
    expect(() => new Conv1D(4, 7).apply(x)).toThrow(/^Layer "conv1d\w*": the kernel of size 7 does not fit its input of shape \[2,5,3\]/);
    expect(() => new MaxPooling1D(7).apply(x)).toThrow(/^Layer "max_pooling1d\w*" \(MaxPooling1D\): the pool window of 7 steps does not fit its input of 5 steps \(input shape \[2,5,3\]\)/);
    expect(() => new AveragePooling1D(6).apply(x)).toThrow(/AveragePooling1D\): the pool window of 6 steps/);
    // 'same' padding fits any length.
    expect(new MaxPooling1D(7, { padding: 'same' }).apply(x).shape).toEqual([2, 1, 3]);
  });
});
