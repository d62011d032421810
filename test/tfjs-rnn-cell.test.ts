// tn.layers.RNNCell as TF.js's tf.layers.RNNCell: a cell subclass written for TF.js (stateSize, build with addWeight,
// call([input, ...states]) returning [output, ...newStates]) runs in tn.layers.rnn with the import changed, and gives
// TF.js's outputs and states for the same weights (@tensorflow/tfjs, CPU backend); its gradients by finite
// differences; a subclass that defines neither call nor step is an error naming it.
import { describe, expect, it } from 'vitest';
import * as tn from '../lib/index.js';
import { randomTensor, variableGradCheck } from './helpers/gradcheck.js';
import { expectClose, tf, useCpu } from './helpers/tfjs.js';

type TfTensor = ReturnType<typeof tf.tensor>;
const vals = (t: tn.Tensor) => Array.from(t.data() as ArrayLike<number>);

// The same class twice: the TF.js original, and the port (only `tf.` changed to `tn.`).
class TfMinimalCell extends tf.layers.RNNCell {
  units: number;
  stateSize: number;
  kernel!: tf.LayerVariable;
  recurrentKernel!: tf.LayerVariable;
  constructor(units: number) {
    super({});
    this.units = units;
    this.stateSize = units;
  }
  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = inputShape as number[];
    this.kernel = this.addWeight('kernel', [shape[shape.length - 1], this.units], 'float32', tf.initializers.glorotUniform({ seed: 1 }));
    this.recurrentKernel = this.addWeight('recurrent_kernel', [this.units, this.units], 'float32', tf.initializers.orthogonal({ seed: 2 }));
    this.built = true;
  }
  override call(inputs: TfTensor | TfTensor[]): TfTensor[] {
    const [x, h] = inputs as TfTensor[];
    const out = tf.tanh(tf.add(tf.matMul(x, this.kernel.read()), tf.matMul(h, this.recurrentKernel.read())));
    return [out, out];
  }
  static get className(): string {
    return 'MinimalCell';
  }
}

class TnMinimalCell extends tn.layers.RNNCell {
  units: number;
  stateSize: number;
  kernel!: tn.Variable;
  recurrentKernel!: tn.Variable;
  constructor(units: number) {
    super({});
    this.units = units;
    this.stateSize = units;
  }
  override build(inputShape: number[]): void {
    this.kernel = this.addWeight('kernel', [inputShape[inputShape.length - 1], this.units], 'float32', tn.initializers.glorotUniform({ seed: 1 }));
    this.recurrentKernel = this.addWeight('recurrent_kernel', [this.units, this.units], 'float32', tn.initializers.orthogonal({ seed: 2 }));
    this.built = true;
  }
  override call(inputs: tn.Tensor | tn.Tensor[]): tn.Tensor[] {
    const [x, h] = inputs as unknown as tn.Tensor[];
    const out = tn.tanh(tn.add(tn.matMul(x, this.kernel.read()), tn.matMul(h, this.recurrentKernel.read())));
    return [out, out];
  }
  static get className(): string {
    return 'MinimalCell';
  }
}

describe('tn.layers.RNNCell, the base of a cell ported from TF.js', () => {
  it('runs in an RNN with TF.js\'s outputs and states for the same weights, and has gradients', async () => {
    await useCpu();
    const x = randomTensor([2, 5, 3], 1);
    const theirs = tf.layers.rnn({ cell: new TfMinimalCell(4), returnSequences: true, returnState: true });
    const ours = tn.layers.rnn({ cell: new TnMinimalCell(4), returnSequences: true, returnState: true });
    const [ty, th] = theirs.apply(tf.tensor(vals(x), [2, 5, 3])) as TfTensor[];
    const [y0] = ours.apply(x) as unknown as tn.Tensor[];
    expect(y0.shape).toEqual(ty.shape);
    ours.setWeights(theirs.getWeights().map((w) => tn.tensor(w.dataSync() as Float32Array, w.shape)));
    const [y, h] = ours.apply(x) as unknown as tn.Tensor[];
    expectClose(y.data() as Float32Array, ty.dataSync() as Float32Array, 1e-5, 1e-6, 'outputs');
    expectClose(h.data() as Float32Array, th.dataSync() as Float32Array, 1e-5, 1e-6, 'final state');
    expect(ours.trainableWeights.length).toBe(2);
    variableGradCheck(() => (ours.apply(x) as unknown as tn.Tensor[])[0], ours.trainableWeights);
  });

  it('a subclass with neither call nor step is an error naming it', () => {
    class Empty extends tn.layers.RNNCell {
      stateSize = 2;
    }
    const layer = tn.layers.rnn({ cell: new Empty({ name: 'empty_cell' }) });
    expect(() => layer.apply(tn.ones([1, 3, 2]))).toThrow(/Layer "empty_cell" \(Empty\) is an RNNCell that defines neither step\(x, states, training\) nor, as TF.js's cells do, call\(\[input, \.\.\.states\]\)/);
  });
});
