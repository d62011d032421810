// TF.js's recurrent factories (tn.layers.lstm, gru, lstmCell, gruCell, convLstm2d) keep TF.js's defaults where they
// differ from Keras 3's classes: recurrentActivation 'hardSigmoid' (Keras 2's clip(0.2 x + 0.5, 0, 1)) and a GRU
// without resetAfter. With TF.js's weights set on both, a ported model predicts what TF.js's predicts, and a GRU built
// by the factory saves a model TF.js loads.
import { describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';
import { expectClose, tf, tfjsLoad, useCpu } from './helpers/tfjs.js';

const rows = (shape: number[], seed: number): number[] => {
  let s = seed;
  return Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  });
};

async function samePrediction(ours: tn.LayersModel, theirs: ReturnType<typeof tf.sequential>, xShape: number[]): Promise<void> {
  const weights = theirs.getWeights();
  expect(ours.getWeights().map((w) => w.shape), 'weight shapes').toEqual(weights.map((w) => w.shape));
  // Weights of 2-3 in magnitude put the gates' inputs outside [-2.5, 2.5], where the two hard sigmoids differ most.
  const values = weights.map((w, i) => rows(w.shape, 7 + i).map((v) => v * 6));
  theirs.setWeights(values.map((v, i) => tf.tensor(v, weights[i].shape)));
  ours.setWeights(values.map((v, i) => tn.tensor(v, weights[i].shape)));
  const x = rows(xShape, 3);
  const want = Array.from(await (theirs.predict(tf.tensor(x, xShape)) as ReturnType<typeof tf.tensor>).data());
  const got = Array.from((ours.predict(tn.tensor(x, xShape)) as tn.Tensor).data() as Float32Array);
  expect(got.length).toBe(want.length);
  got.forEach((v, i) => expect(v, `output ${i}`).toBeCloseTo(want[i], 5));
}

describe('TF.js\'s recurrent factories', () => {
  it('lstm, gru, convLstm2d and rnn over lstmCell / gruCell compute what TF.js\'s compute with the same weights', async () => {
    await useCpu();
    const cases: [string, (lib: typeof tf | typeof tn) => unknown[], number[]][] = [
      ['lstm', (l) => [l.layers.lstm({ units: 3, inputShape: [4, 2], returnSequences: true })], [2, 4, 2]],
      ['gru', (l) => [l.layers.gru({ units: 3, inputShape: [4, 2] })], [2, 4, 2]],
      ['convLstm2d', (l) => [l.layers.convLstm2d({ filters: 2, kernelSize: 3, padding: 'same', inputShape: [3, 4, 4, 1] })], [1, 3, 4, 4, 1]],
      ['rnn(lstmCell, gruCell)', (l) => [l.layers.rnn({ cell: [l.layers.lstmCell({ units: 2 }), l.layers.gruCell({ units: 3 })], inputShape: [4, 2] } as never)], [2, 4, 2]],
    ];
    for (const [what, build, xShape] of cases) {
      const theirs = tf.sequential({ layers: build(tf) as never });
      const ours = tn.sequential({ layers: build(tn) as never });
      await samePrediction(ours as unknown as tn.LayersModel, theirs, xShape).catch((e: Error) => { throw new Error(`${what}: ${e.message}`); });
    }
  });

  it('lstm and gru train as TF.js\'s do: the same weights give the same gradients for every weight and the input', async () => {
    await useCpu();
    const cases: [string, (lib: typeof tf | typeof tn) => unknown[], number[]][] = [
      ['lstm', (l) => [l.layers.lstm({ units: 5, inputShape: [6, 3], returnSequences: true })], [4, 6, 3]],
      ['gru', (l) => [l.layers.gru({ units: 5, inputShape: [6, 3], returnSequences: true })], [4, 6, 3]],
      ['gru goBackwards, last step', (l) => [l.layers.gru({ units: 4, inputShape: [5, 2], goBackwards: true })], [3, 5, 2]],
    ];
    for (const [what, build, xShape] of cases) {
      const theirs = tf.sequential({ layers: build(tf) as never });
      const ours = tn.sequential({ layers: build(tn) as never });
      const weights = theirs.getWeights();
      // Weights of up to 1.5 put some gates' inputs on the hard sigmoid's flat parts (gradient 0), most on its slope.
      const values = weights.map((w, i) => rows(w.shape, 11 + i).map((v) => v * 3));
      theirs.setWeights(values.map((v, i) => tf.tensor(v, weights[i].shape)));
      ours.setWeights(values.map((v, i) => tn.tensor(v, weights[i].shape)));
      const x = rows(xShape, 4).map((v) => v * 4);
      const outShape = (theirs.outputs[0].shape as number[]).map((d, i) => (i === 0 ? xShape[0] : d));
      const up = rows(outShape, 9);
      const tx = tf.variable(tf.tensor(x, xShape));
      const theirVars = [...theirs.trainableWeights.map((w) => (w as unknown as { val: ReturnType<typeof tf.variable> }).val), tx];
      const { grads: tg } = tf.variableGrads(() => tf.sum(tf.mul(theirs.apply(tx, { training: true }) as ReturnType<typeof tf.tensor>, tf.tensor(up, outShape))) as never, theirVars);
      const want = await Promise.all(theirVars.map(async (v) => Array.from(await tg[v.name].data())));
      const ox = tn.variable(tn.tensor(x, xShape));
      const ourVars = [...ours.trainableWeights, ox];
      const { grads: og } = tn.variableGrads(() => tn.sum(tn.mul(ours.apply(ox, { training: true }) as tn.Tensor, tn.tensor(up, outShape))), ourVars);
      const got = ourVars.map((v) => Array.from(og[v.name].data() as Float32Array));
      expect(got.length, what).toBe(want.length);
      got.forEach((g, k) => expectClose(g, want[k], 1e-4, 1e-5, `${what}: gradient ${k}`));
    }
  });

  it('an option given explicitly is used as given, and the classes keep Keras 3\'s defaults', () => {
    const config = (layer: tn.Layer) => layer.getConfig() as { resetAfter?: boolean; recurrentActivation?: string };
    expect(config(tn.layers.gru({ units: 2, resetAfter: true })).resetAfter).toBe(true);
    expect(config(tn.layers.gru({ units: 2 })).resetAfter).toBe(false);
    expect(config(tn.layers.lstm({ units: 2, recurrentActivation: 'sigmoid' })).recurrentActivation).toBe('sigmoid');
    expect(config(tn.layers.lstm({ units: 2 })).recurrentActivation).toBe('hard_sigmoid_legacy');
    expect(config(new tn.layers.GRU(2)).resetAfter).toBe(true);
    expect(config(new tn.layers.LSTM(2)).recurrentActivation).toBe('sigmoid');
  });

  it('a GRU model built with the factory saves a model TF.js loads and predicts the same', async () => {
    await useCpu();
    const model = tn.sequential({ layers: [tn.layers.gru({ units: 3, inputShape: [4, 2] }), tn.layers.dense({ units: 1 })] });
    let saved: tn.io.ModelArtifacts | undefined;
    await model.save(tn.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', modelTopologyBytes: 0, weightSpecsBytes: 0, weightDataBytes: 0 } };
    }));
    const theirs = await tfjsLoad(saved!);
    const x = rows([2, 4, 2], 5);
    const want = Array.from(await (theirs.predict(tf.tensor(x, [2, 4, 2])) as ReturnType<typeof tf.tensor>).data());
    const got = Array.from((model.predict(tn.tensor(x, [2, 4, 2])) as tn.Tensor).data() as Float32Array);
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
  });
});
