import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { camelConfigToKeras } from '../../lib/io/keras-config.js';

const { Conv2D } = tn.layers;

beforeEach(() => {
  tn.clearSession();
  tn.setSeed(1234);
});

describe('per-pixel segmentation targets', () => {
  function segmenter() {
    const model = new tn.Sequential([new Conv2D(2, 1, { inputShape: [4, 4, 1], activation: 'softmax' })]);
    model.compile({ optimizer: 'sgd', loss: 'sparse_categorical_crossentropy' });
    return model;
  }
  const x = tn.randomUniform([6, 4, 4, 1], 0, 1, 'float32', 3);
  const masks = tn.cast(tn.greater(x, 0.5), 'int32').reshape([6, 4, 4]);

  it('refuses classWeight for [N, H, W] masks, as Keras does, instead of reading a class out of the pixels', async () => {
    const model = segmenter();
    await expect(model.fit(x, masks, { classWeight: { 0: 1, 1: 5 }, epochs: 1, verbose: 0 }))
      .rejects.toThrow(/fit: classWeight is not supported for targets of 3 or more dimensions \(y has shape \[6,4,4\]\), as in Keras; .*sampleWeight/);
    expect(() => model.trainOnBatch(x, masks, { classWeight: { 1: 2 } })).toThrow(/trainOnBatch: classWeight is not supported .* \[6,4,4\]/);
    const ds = tn.data.zip([tn.data.array(tn.unstack(x)), tn.data.array(tn.unstack(masks))]).batch(3);
    await expect(model.fit(ds, { classWeight: { 1: 2 }, epochs: 1, verbose: 0 })).rejects.toThrow(/classWeight is not supported .* \[3,4,4\]/);
  });

  it('refuses masks of the right size but another shape, as Keras does, instead of reading them in row order', async () => {
    const model = segmenter();
    await expect(model.fit(x, masks.reshape([6, 16]), { epochs: 1, verbose: 0 })).rejects.toThrow(
      'sparse_categorical_crossentropy: labels of shape [6,16] do not fit predictions of shape [6,4,4,2]; expected [6,4,4] (the predictions\' shape without the class axis) or [6,4,4,1]',
    );
    expect(() => model.testOnBatch(x, masks.reshape([6, 4, 4, 1]))).not.toThrow();
    expect(() => model.testOnBatch(x, masks.reshape([6, 4, 2, 2]))).toThrow(/labels of shape \[6,4,2,2\] do not fit predictions of shape \[6,4,4,2\]/);
  });

  it('weights each pixel by a sampleWeight of the mask\'s shape', () => {
    const model = segmenter();
    const weights = tn.add(tn.mul(tn.cast(masks, 'float32'), 4), 1);
    const probs = model.predict(x) as tn.Tensor;
    const ce = tn.neg(tn.log(tn.sum(tn.mul(probs, tn.oneHot(masks, 2)), -1)));
    const expected = tn.sum(tn.mul(ce, weights)).item() / ce.size;
    expect(model.trainOnBatch(x, masks, { sampleWeight: weights })[0]).toBeCloseTo(expected, 5);
  });
});

describe('a segmentation model saved with its IoU metrics', () => {
  it('writes Keras\'s sparse_y_true / sparse_y_pred keys and evaluates the same after loading', async () => {
    const x = tn.randomUniform([8, 4, 4, 1], 0, 1, 'float32', 5);
    const masks = tn.cast(tn.greater(x, 0.5), 'int32').reshape([8, 4, 4]);
    const model = new tn.Sequential([new Conv2D(2, 1, { inputShape: [4, 4, 1], activation: 'softmax' })]);
    const meanIoU = new tn.metrics.MeanIoU({ numClasses: 2, sparseYPred: false });
    model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: [meanIoU, new tn.metrics.IoU({ numClasses: 2, targetClassIds: [1], sparseYPred: false, name: 'fg' })] });
    const config = camelConfigToKeras(meanIoU.getConfig()) as Record<string, unknown>;
    expect(config).toMatchObject({ sparse_y_true: true, sparse_y_pred: false });
    const before = await model.evaluate(x, masks, { verbose: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'tn-seg-'));
    try {
      await model.save(join(dir, 'seg.keras'));
      await model.save(join(dir, 'tfjs'));
      for (const path of [join(dir, 'seg.keras'), join(dir, 'tfjs')]) {
        const loaded = await tn.models.loadModel(path);
        expect(await loaded.evaluate(x, masks, { verbose: 0 })).toEqual(before);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('summary of a transfer-learning model', () => {
  function frozenBase() {
    const base = new tn.Sequential([
      new Conv2D(4, 3, { inputShape: [8, 8, 1], name: 'bc' }),
      new tn.layers.BatchNormalization({ name: 'bbn' }),
      new tn.layers.GlobalAveragePooling2D({ name: 'gap' }),
    ], 'base');
    base.trainable = false;
    const inp = tn.input({ shape: [8, 8, 1] });
    const features = base.apply(inp, { training: false }) as tn.SymbolicTensor;
    return tn.model({ inputs: inp, outputs: new tn.layers.Dense(3, { name: 'head' }).apply(features) as tn.SymbolicTensor });
  }
  const cells = (line: string) => line.split('│').slice(1, -1).map((c) => c.trim());

  it('takes Keras\'s keywords as an object: showTrainable adds Y / N / - and expandNested lists the base\'s layers', () => {
    const lines: string[] = [];
    frozenBase().summary({ showTrainable: true, expandNested: true, printFn: (l) => lines.push(l) });
    expect(cells(lines[2].replaceAll('┃', '│'))).toEqual(['Layer (type)', 'Output Shape', 'Param #', 'Trainable']);
    const rows = lines.filter((l) => l.startsWith('│')).map(cells);
    expect(rows).toEqual([
      ['input_layer (InputLayer)', '(None, 8, 8, 1)', '0', '-'],
      ['base (Sequential)', '(None, 4)', '56', 'N'],
      ['└ bc (Conv2D)', '(None, 6, 6, 4)', '40', 'N'],
      ['└ bbn (BatchNormalization)', '(None, 6, 6, 4)', '16', 'N'],
      ['└ gap (GlobalAveragePooling2D)', '(None, 4)', '0', '-'],
      ['head (Dense)', '(None, 3)', '15', 'Y'],
    ]);
    expect(lines.find((l) => l.includes('└ bc'))).toMatch(/^│ {4}└ bc \(Conv2D\)/);
    expect(lines.slice(-2)).toEqual([' Trainable params: 15 (60.00 B)', ' Non-trainable params: 56 (224.00 B)']);
  });

  it('widens a fixed layout for the Trainable column as Keras does, and names an option it does not take', () => {
    const lines: string[] = [];
    frozenBase().summary({ showTrainable: true, lineLength: 80, printFn: (l) => lines.push(l) });
    // Keras: 8 more characters, the three edges at 0.86 of theirs, the Trainable column to the end (a column's
    // border is the last character before its edge).
    expect(lines[1].length).toBe(88);
    expect(lines[1].indexOf('┳')).toBe(Math.floor(0.45 * 0.86 * 88) - 1);
    expect(lines[1].lastIndexOf('┳')).toBe(Math.floor(0.86 * 88) - 1);
    expect(() => frozenBase().summary({ show_trainable: true } as never)).toThrow(/summary: unrecognized option "show_trainable" \(did you mean showTrainable\?\)/);
  });
});
