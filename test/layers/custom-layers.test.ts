// A user's Layer subclass that holds other layers as properties (Keras's TransformerBlock pattern): their weights are
// its weights (trained, counted, frozen and saved with it), and the call's `training` reaches the layers it calls.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';

const root = mkdtempSync(join(tmpdir(), 'tensornode-custom-layers-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(() => tn.clearSession());

/** Keras's feed-forward block: Dense -> Dropout -> Dense, with a residual add and a LayerNormalization. */
class FeedForward extends tn.Layer {
  static className = 'FeedForward';
  readonly units: number;
  readonly rate: number;
  readonly inner: tn.layers.Dense;
  readonly outer: tn.layers.Dense;
  readonly drop: tn.layers.Dropout;
  readonly norm: tn.layers.LayerNormalization;
  constructor(args: tn.layers.LayerArgs & { units?: number; rate?: number } = {}) {
    const { units = 8, rate = 0.5, ...rest } = args;
    super(rest);
    this.units = units;
    this.rate = rate;
    this.inner = new tn.layers.Dense(units, { activation: 'relu' });
    this.drop = new tn.layers.Dropout(rate);
    this.outer = new tn.layers.Dense(4);
    this.norm = new tn.layers.LayerNormalization();
  }
  call(inputs: tn.Tensor | tn.Tensor[]): tn.Tensor {
    const x = inputs as tn.Tensor;
    return this.norm.apply(tn.add(x, this.outer.apply(this.drop.apply(this.inner.apply(x)))));
  }
  override getConfig() {
    return { ...super.getConfig(), units: this.units, rate: this.rate };
  }
}
tn.serialization.registerClass(FeedForward);

function model(rate = 0.5): [tn.Model, FeedForward] {
  const block = new FeedForward({ units: 8, rate, name: 'block' });
  const input = tn.input({ shape: [4] });
  const out = new tn.layers.Dense(1, { name: 'head' }).apply(block.apply(input));
  return [new tn.Model({ inputs: input, outputs: out }), block];
}

describe('a Layer subclass holding layers', () => {
  it("owns their weights: counted, listed, trained by fit, frozen by trainable = false", async () => {
    const [m, block] = model();
    // inner 4x8 + 8, outer 8x4 + 4, LayerNormalization 4 + 4; the head 4 + 1.
    expect(block.weights.map((w) => w.shape)).toEqual([[4, 8], [8], [8, 4], [4], [4], [4]]);
    expect(block.countParams()).toBe(84);
    expect(m.countParams()).toBe(89);
    expect(m.trainableWeights.length).toBe(8);
    m.compile({ optimizer: new tn.optimizers.SGD({ learningRate: 0.1 }), loss: 'mse' });
    const x = tn.randomNormal([16, 4], 0, 1, 'float32', 1);
    const y = tn.randomNormal([16, 1], 0, 1, 'float32', 2);
    const before = block.getWeights().map((t) => Array.from(t.data()));
    await m.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0 });
    const after = block.getWeights().map((t) => Array.from(t.data()));
    after.forEach((w, i) => expect(w, `weight ${i} of the block`).not.toEqual(before[i]));
    block.trainable = false;
    expect(block.trainableWeights).toEqual([]);
    expect(block.inner.trainable).toBe(false);
    expect(m.trainableWeights.length).toBe(2);
    m.compile({ optimizer: new tn.optimizers.SGD({ learningRate: 0.1 }), loss: 'mse' });
    await m.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0 });
    expect(block.getWeights().map((t) => Array.from(t.data()))).toEqual(after);
  });

  it("passes the call's training flag to the layers it calls: its Dropout drops in fit, not in predict", () => {
    tn.setSeed(3);
    const [m] = model(0.5);
    // Varied rows, so that about half of the 64 x 8 relu outputs are non-zero whatever the initial weights.
    const x = tn.randomNormal([64, 4], 0, 1, 'float32', 7);
    expect(Array.from((m.predict(x) as tn.Tensor).data())).toEqual(Array.from((m.predict(x) as tn.Tensor).data()));
    const dropped = (training: boolean) => {
      const block = m.getLayer('block') as FeedForward;
      let zeros = 0;
      const apply = block.drop.apply.bind(block.drop);
      block.drop.apply = ((t: tn.Tensor, a?: tn.layers.CallArgs) => {
        const out = apply(t, a) as tn.Tensor;
        const before = t.data(), after = out.data();
        for (let i = 0; i < after.length; i++) if (after[i] === 0 && before[i] !== 0) zeros++;
        return out;
      }) as typeof block.drop.apply;
      m.apply(x, { training });
      block.drop.apply = apply;
      return zeros;
    };
    // Dropout(0.5) zeroes about half of the relu's non-zero outputs in training, and none in inference.
    const trained = dropped(true);
    expect(trained).toBeGreaterThan(50);
    expect(dropped(false)).toBe(0);
    // An explicit flag still wins: the block's Dropout called with training: false inside a training call keeps all.
    const d = new tn.layers.Dropout(0.9);
    class Explicit extends tn.Layer {
      call(inputs: tn.Tensor | tn.Tensor[]) {
        return d.apply(inputs as tn.Tensor, { training: false });
      }
    }
    expect(Array.from(new Explicit().apply(tn.ones([50]), { training: true }).data()).every((v) => v === 1)).toBe(true);
  });

  it('saves and loads with its sublayers\' weights, in a TF.js folder and a .keras file', async () => {
    const [m] = model(0.2);
    m.compile({ optimizer: 'adam', loss: 'mse' });
    const x = tn.randomNormal([8, 4], 0, 1, 'float32', 3);
    await m.fit(x, tn.randomNormal([8, 1], 0, 1, 'float32', 4), { epochs: 2, batchSize: 4, verbose: 0 });
    const want = Array.from((m.predict(x) as tn.Tensor).data());
    for (const path of [join(root, 'folder'), join(root, 'model.keras')]) {
      await m.save(path);
      tn.clearSession();
      // Other layers made first shift the automatic names the reloaded block's sublayers get.
      new tn.layers.Dense(3);
      const loaded = await tn.models.loadModel(path);
      expect(loaded.countParams(), path).toBe(89);
      expect(Array.from((loaded.predict(x) as tn.Tensor).data()), path).toEqual(want);
    }
  });
});

describe('a Layer subclass holding a Sequential (keras.io\'s TransformerBlock `ffn`)', () => {
  class Block extends tn.Layer {
    static className = 'BlockWithFfn';
    readonly ffn = new tn.Sequential([new tn.layers.Dense(6, { activation: 'relu' }), new tn.layers.Dense(4)]);
    readonly norm = new tn.layers.LayerNormalization();
    call(inputs: tn.Tensor | tn.Tensor[]): tn.Tensor {
      const x = inputs as tn.Tensor;
      return this.norm.apply(tn.add(x, this.ffn.apply(x) as tn.Tensor)) as tn.Tensor;
    }
  }
  tn.serialization.registerClass(Block);

  it("names the Sequential's layers' weights under the property, so a TF.js folder and a .keras file reload elsewhere", async () => {
    const input = tn.input({ shape: [4] });
    const m = new tn.Model({ inputs: input, outputs: new tn.layers.Dense(1, { name: 'head' }).apply(new Block({ name: 'block' }).apply(input)) });
    expect(m.weights.map((w) => w.name).slice(0, 4)).toEqual(['block/ffn/dense/kernel', 'block/ffn/dense/bias', 'block/ffn/dense_1/kernel', 'block/ffn/dense_1/bias']);
    const x = tn.randomNormal([8, 4], 0, 1, 'float32', 6);
    const want = Array.from((m.predict(x) as tn.Tensor).data());
    for (const path of [join(root, 'ffn-folder'), join(root, 'ffn.keras')]) {
      await m.save(path);
      tn.clearSession();
      // The reloading program made other Dense layers first: automatic names would be dense_2 and dense_3.
      new tn.layers.Dense(3);
      new tn.layers.Dense(3);
      const loaded = await tn.models.loadModel(path);
      expect(Array.from((loaded.predict(x) as tn.Tensor).data()), path).toEqual(want);
    }
  });
});

describe("a model's own layers are not a custom layer's properties", () => {
  it('a Sequential built without an input shape keeps its weight names, so its TF.js folder loads (alone and nested)', async () => {
    const seq = new tn.Sequential([new tn.layers.Dense(4), new tn.layers.Dense(1)]);
    seq.compile({ optimizer: 'adam', loss: 'mse' });
    const x = tn.randomNormal([8, 3], 0, 1, 'float32', 5);
    await seq.fit(x, tn.ones([8, 1]), { epochs: 1, verbose: 0 });
    expect(seq.weights.map((w) => w.name)).toEqual(['dense/kernel', 'dense/bias', 'dense_1/kernel', 'dense_1/bias']);
    const inp = tn.input({ shape: [3] });
    const inner = new tn.Sequential([new tn.layers.Dense(2, { name: 'late' })]);
    const outer = new tn.Model({ inputs: inp, outputs: inner.apply(new tn.layers.Dense(3, { name: 'first' }).apply(inp)) });
    for (const [model, dir] of [[seq, 'lazy'], [outer, 'nested']] as const) {
      await model.save(join(root, dir));
      const loaded = await tn.models.loadModel(join(root, dir));
      expect(Array.from((loaded.predict(x) as tn.Tensor).data()), dir).toEqual(Array.from((model.predict(x) as tn.Tensor).data()));
    }
  });
});

describe('a custom layer with its own computeOutputShape and no build()', () => {
  it('has its sublayers built when the graph is made, so it counts, saves and loads them', async () => {
    class Projector extends tn.Layer {
      static className = 'Projector';
      readonly proj = new tn.layers.Dense(4);
      call(inputs: tn.Tensor | tn.Tensor[]): tn.Tensor {
        return this.proj.apply(inputs as tn.Tensor);
      }
      override computeOutputShape(s: tn.layers.Shape | tn.layers.Shape[]): tn.layers.Shape {
        return [...(s as tn.layers.Shape).slice(0, -1), 4];
      }
    }
    tn.serialization.registerClass(Projector);
    const inp = tn.input({ shape: [3] });
    const model = new tn.Model({ inputs: inp, outputs: new Projector({ name: 'projector' }).apply(inp) });
    // Before any real call: the Dense inside is built (3 x 4 + 4).
    expect(model.countParams()).toBe(16);
    const x = tn.randomNormal([2, 3], 0, 1, 'float32', 9);
    const want = Array.from((model.predict(x) as tn.Tensor).data());
    for (const path of [join(root, 'projector'), join(root, 'projector.keras')]) {
      await model.save(path);
      const loaded = await tn.models.loadModel(path);
      expect(Array.from((loaded.predict(x) as tn.Tensor).data()), path).toEqual(want);
    }
  });
});

describe('a Layer subclass holding an array of layers', () => {
  it('tracks each (a stack of blocks), but does not walk arrays of other things', () => {
    class Stack extends tn.Layer {
      readonly blocks = [new tn.layers.Dense(3), new tn.layers.Dense(2)];
      readonly vocabulary = ['a', 'b', 'c'];
      call(inputs: tn.Tensor | tn.Tensor[]): tn.Tensor {
        return this.blocks.reduce((x, b) => b.apply(x), inputs as tn.Tensor);
      }
    }
    const stack = new Stack({ name: 'stack' });
    expect(stack.apply(tn.ones([1, 4])).shape).toEqual([1, 2]);
    expect(stack.weights.map((w) => [w.name, w.shape])).toEqual([
      ['stack/blocks/0/kernel', [4, 3]], ['stack/blocks/0/bias', [3]], ['stack/blocks/1/kernel', [3, 2]], ['stack/blocks/1/bias', [2]],
    ]);
  });
});

describe('the spellings a custom layer is written in', () => {
  it("addWeight takes Keras 3's ({ shape, initializer, name }), tensornode's (name, { shape }) and TF.js's positional form", () => {
    class Three extends tn.Layer {
      a!: tn.Variable;
      b!: tn.Variable;
      c!: tn.Variable;
      d!: tn.Variable;
      override build() {
        this.a = this.addWeight({ shape: [2, 3], initializer: 'ones', name: 'a' });
        this.b = this.addWeight('b', { shape: [3], initializer: 'zeros', trainable: false });
        this.c = this.addWeight('c', [2], 'float32', new tn.initializers.Constant({ value: 5 }), null, true);
        this.d = this.addWeight({ shape: [1], initializer: 'ones' });
        super.build([]);
      }
      call(x: tn.Tensor | tn.Tensor[]) {
        return tn.add(tn.matMul(x as tn.Tensor, this.a), this.b);
      }
    }
    const layer = new Three({ name: 'three' });
    expect(Array.from(layer.apply(tn.ones([1, 2])).data())).toEqual([2, 2, 2]);
    expect(layer.weights.map((w) => w.name)).toEqual(['three/a', 'three/c', 'three/variable_3', 'three/b']);
    expect(Array.from(layer.c.data())).toEqual([5, 5]);
    expect(layer.trainableWeights.length).toBe(3);
    class Bad extends tn.Layer {
      override build() {
        this.addWeight({ shape: [2, -1] });
      }
      call(x: tn.Tensor | tn.Tensor[]) {
        return x as tn.Tensor;
      }
    }
    expect(() => new Bad({ name: 'bad' }).apply(tn.ones([1, 2]))).toThrow('addWeight of layer "bad": weight "variable" needs a shape of non-negative integers, received [2,-1]');
  });

  it("Sequential takes Keras's positional name: Sequential(layers, 'discriminator')", () => {
    expect(new tn.Sequential([new tn.layers.Dense(1)], 'discriminator').name).toBe('discriminator');
  });
});

describe("a custom layer written for TF.js (tfjs-examples' Antirectifier)", () => {
  // As TF.js's example writes it: super({}), invokeCallHook first thing in call(), TF.js's className getter.
  class Antirectifier extends tn.layers.Layer {
    constructor() {
      super({});
      this.supportsMasking = true;
    }
    override computeOutputShape(inputShape: tn.layers.Shape | tn.layers.Shape[]) {
      const s = inputShape as tn.layers.Shape;
      return [s[0], 2 * (s[1] as number)];
    }
    call(inputs: tn.layers.LayerInput, kwargs?: unknown) {
      const input = (Array.isArray(inputs) ? inputs[0] : inputs) as tn.Tensor;
      this.invokeCallHook(inputs, kwargs);
      const centered = tn.sub(input, input.mean(1).expandDims(1));
      return tn.concat([centered.relu(), centered.neg().relu()], 1);
    }
    static get className() {
      return 'Antirectifier';
    }
  }
  tn.serialization.registerClass(Antirectifier);

  it('invokeCallHook runs the hook setCallHook gave (none by default); the layer trains, saves and loads', async () => {
    const layer = new Antirectifier();
    const seen: number[][] = [];
    layer.setCallHook((inputs) => void seen.push((inputs as tn.Tensor).shape));
    const y = layer.apply(tn.tensor([[1, 3]])) as tn.Tensor;
    expect(Array.from(y.data())).toEqual([0, 1, 1, 0]);
    expect(seen).toEqual([[1, 2]]);
    layer.clearCallHook();
    layer.apply(tn.tensor([[1, 3]]));
    expect(seen.length).toBe(1);
    const m = new tn.Sequential([new tn.layers.Dense(3, { inputShape: [4] }), new Antirectifier(), new tn.layers.Dense(1)]);
    m.compile({ optimizer: 'adam', loss: 'mse' });
    await m.fit(tn.randomNormal([8, 4], 0, 1, 'float32', 1), tn.zeros([8, 1]), { epochs: 1, verbose: 0 });
    expect(m.layers[1].outputShape).toEqual([null, 6]);
    const dir = mkdtempSync(join(tmpdir(), 'tn-antirectifier-'));
    try {
      await m.save(dir);
      const x = tn.randomNormal([2, 4], 0, 1, 'float32', 2);
      const again = await tn.loadLayersModel(join(dir, 'model.json'));
      expect(Array.from((again.predict(x) as tn.Tensor).data())).toEqual(Array.from((m.predict(x) as tn.Tensor).data()));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("a custom layer's InputSpec, as TF.js and Keras write it", () => {
  // TF.js's style: a list of specs, minNDim in the constructor, the last axis fixed in build().
  class Scale extends tn.Layer {
    scale!: tn.Variable;
    constructor() {
      super({});
      this.inputSpec = [new tn.InputSpec({ minNDim: 2 })];
    }
    override build(shape: tn.layers.Shape | tn.layers.Shape[]) {
      const last = (shape as tn.layers.Shape)[(shape as tn.layers.Shape).length - 1]!;
      this.inputSpec = [new tn.InputSpec({ minNDim: 2, axes: { [-1]: last } })];
      this.scale = this.addWeight('scale', { shape: [last], initializer: 'ones' });
    }
    call(x: tn.Tensor | tn.Tensor[]) {
      return tn.mul(x as tn.Tensor, this.scale);
    }
  }

  it('checks rank and axes on tensors and symbolic tensors, with Keras\'s messages, and is readable', () => {
    const layer = new Scale();
    expect(() => layer.apply(tn.ones([3]))).toThrow('Input 0 of layer "scale" is incompatible with the layer: expected min_ndim=2, found ndim=1. Full shape received: (3,)');
    expect(layer.apply(tn.ones([2, 4])).shape).toEqual([2, 4]);
    const spec = (layer.inputSpec as tn.InputSpec[])[0];
    expect([spec.minNdim, spec.minNDim, spec.axes]).toEqual([2, 2, { [-1]: 4 }]);
    expect(() => layer.apply(tn.ones([2, 5]))).toThrow('Input 0 of layer "scale" is incompatible with the layer: expected axis -1 of input shape to have value 4, but received input with shape (2, 5)');
    expect(() => layer.apply(tn.input({ shape: [3, 5] }))).toThrow(/expected axis -1 of input shape to have value 4, but received input with shape \(None, 3, 5\)/);
    // Built-in layers expose theirs the same way.
    const dense = new tn.layers.Dense(2);
    dense.apply(tn.ones([1, 3]));
    expect(dense.inputSpec).toMatchObject({ minNdim: 2, axes: { [-1]: 3 } });
  });

  it("Keras's keywords: shape (which fixes ndim), maxNdim, dtype, and one spec per input with null for none", () => {
    class Pair extends tn.Layer {
      constructor() {
        super({});
        this.inputSpec = [new tn.InputSpec({ shape: [null, 3], dtype: 'float32' }), null];
      }
      call(x: tn.Tensor | tn.Tensor[]) {
        return (x as tn.Tensor[])[0];
      }
    }
    const pair = new Pair();
    expect((pair.inputSpec as tn.InputSpec[])[0].ndim).toBe(2);
    expect(pair.apply([tn.ones([2, 3]), tn.ones([7])]).shape).toEqual([2, 3]);
    expect(() => pair.apply([tn.ones([2, 4]), tn.ones([7])])).toThrow('Input 0 of layer "pair" is incompatible with the layer: expected shape=(None, 3), found shape=(2, 4)');
    expect(() => pair.apply([tn.ones([2, 3], 'int32'), tn.ones([7])])).toThrow('Input 0 of layer "pair" is incompatible with the layer: expected dtype=float32, found dtype=int32');
    expect(() => pair.apply([tn.ones([2, 3]), tn.ones([7]), tn.ones([1])])).toThrow('Layer "pair" expects 2 input(s), but it received 3 input tensors. Shapes received: (2, 3), (7,), (1,)');
    const flat = new (class Flat extends tn.Layer {
      constructor() {
        super({});
        this.inputSpec = { maxNdim: 2 };
      }
      call(x: tn.Tensor | tn.Tensor[]) {
        return x as tn.Tensor;
      }
    })();
    expect(() => flat.apply(tn.ones([1, 2, 3]))).toThrow(/expected max_ndim=2, found ndim=3/);
    expect(() => new tn.InputSpec({ min_ndim: 2 } as never)).toThrow(/InputSpec: unrecognized option "min_ndim"/);
    expect(() => new tn.InputSpec({ ndim: 2, axes: { 2: 4 } })).toThrow("InputSpec: axis 2 is beyond the input's rank 2");
    expect(() => new tn.InputSpec({ minNdim: 2, minNDim: 2 })).toThrow('InputSpec: give minNdim or minNDim, not both');
  });
});
