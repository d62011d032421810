// The forms `callbacks` takes: Keras's list of Callback objects, TF.js's object of hook functions (alone or in a list,
// mixed with Callback objects), with TF.js's onYield and Keras 3's batch and test hooks.
import { beforeEach, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';

beforeEach(() => tn.clearSession());

function compiled(): tn.Sequential {
  const m = new tn.Sequential([new tn.layers.Dense(1, { inputShape: [2] })]);
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  return m;
}
const x = tn.ones([6, 2]);
const y = tn.zeros([6, 1]);

describe('callbacks in the forms Keras and TF.js take', () => {
  it("TF.js's object of hook functions, alone or in a list beside Callback objects, gets fit's events in order", async () => {
    const seen: string[] = [];
    await compiled().fit(x, y, {
      epochs: 2, batchSize: 3, verbose: 0,
      callbacks: { onTrainBegin: () => void seen.push('train'), onEpochEnd: (e, logs) => void seen.push(`epoch ${e} ${typeof logs?.loss}`), onBatchEnd: (b) => void seen.push(`batch ${b}`) },
    });
    expect(seen).toEqual(['train', 'batch 0', 'batch 1', 'epoch 0 number', 'batch 0', 'batch 1', 'epoch 1 number']);
    const order: string[] = [];
    const history = await compiled().fit(x, y, {
      epochs: 1, batchSize: 6, verbose: 0,
      callbacks: [{ onEpochEnd: () => void order.push('plain') }, new tn.LambdaCallback({ onEpochEnd: () => void order.push('lambda') })],
    });
    expect(order).toEqual(['plain', 'lambda']);
    expect(history.history.loss.length).toBe(1);
  });

  it("onYield(epoch, batch, logs) is called after every training batch; Keras 3's test hooks reach evaluate", async () => {
    const yields: [number, number, number | undefined][] = [];
    await compiled().fit(x, y, { epochs: 2, batchSize: 2, verbose: 0, callbacks: { onYield: (e, b, logs) => void yields.push([e, b, typeof logs?.loss === 'number' ? 1 : undefined]) } });
    expect(yields).toEqual([[0, 0, 1], [0, 1, 1], [0, 2, 1], [1, 0, 1], [1, 1, 1], [1, 2, 1]]);
    const tests: string[] = [];
    await compiled().evaluate(x, y, { batchSize: 3, verbose: 0, callbacks: { onTestBegin: () => void tests.push('begin'), onTestBatchEnd: (b) => void tests.push(`batch ${b}`), onTestEnd: () => void tests.push('end') } });
    expect(tests).toEqual(['begin', 'batch 0', 'batch 1', 'end']);
  });

  it('anything else is an error saying which forms are taken; a misspelt hook is named', async () => {
    await expect(compiled().fit(x, y, { verbose: 0, callbacks: [42 as unknown as tn.Callback] })).rejects.toThrow(/callbacks must be instances of Callback, or objects of hook functions .* received number/);
    await expect(compiled().fit(x, y, { verbose: 0, callbacks: { onEpochEnds: () => {} } as tn.callbacks.LambdaCallbackArgs })).rejects.toThrow(/LambdaCallback: unrecognized option "onEpochEnds"/);
    await expect(compiled().fit(x, y, { verbose: 0, callbacks: { onEpochEnd: 3 } as unknown as tn.callbacks.LambdaCallbackArgs })).rejects.toThrow('LambdaCallback: onEpochEnd must be a function');
  });
});

describe("TF.js's log names for accuracy", () => {
  function classifier(): tn.Sequential {
    const m = new tn.Sequential([new tn.layers.Dense(2, { inputShape: [2], activation: 'softmax' })]);
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    return m;
  }
  const labels = tn.tensor([0, 1, 0, 1, 0, 1], [6], 'int32');

  it('logs.acc, logs.val_acc and history.history.acc / val_acc read the accuracy, listed under Keras\'s names only', async () => {
    const batchAcc: [number, number][] = [];
    const epochAcc: [number, number, number, number][] = [];
    const history = await classifier().fit(x, labels, {
      epochs: 2, batchSize: 3, verbose: 0, validationData: [x, labels],
      callbacks: {
        onBatchEnd: (_b, logs) => void batchAcc.push([logs!.acc, logs!.accuracy]),
        onEpochEnd: (_e, logs) => void epochAcc.push([logs!.acc, logs!.accuracy, logs!.val_acc, logs!.val_accuracy]),
      },
    });
    expect(batchAcc.length).toBe(4);
    for (const [acc, accuracy] of batchAcc) expect(acc).toBe(accuracy);
    for (const [acc, accuracy, valAcc, valAccuracy] of epochAcc) {
      expect(typeof accuracy).toBe('number');
      expect(acc).toBe(accuracy);
      expect(valAcc).toBe(valAccuracy);
    }
    expect(history.history.acc).toEqual(history.history.accuracy);
    expect(history.history.val_acc).toEqual(history.history.val_accuracy);
    expect(history.history.acc.length).toBe(2);
    expect(Object.keys(history.history).sort()).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
  });

  it("EarlyStopping monitors TF.js's 'val_acc' (it warned that the metric was not available and never stopped)", async () => {
    const warn = console.warn;
    const warnings: string[] = [];
    console.warn = (msg: string) => void warnings.push(msg);
    try {
      // The learning rate 0 leaves val_acc where it is, so patience 1 stops after the second epoch.
      const m = new tn.Sequential([new tn.layers.Dense(2, { inputShape: [2], activation: 'softmax' })]);
      m.compile({ optimizer: new tn.optimizers.SGD({ learningRate: 0 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
      const history = await m.fit(x, labels, { epochs: 10, verbose: 0, validationData: [x, labels], callbacks: [tn.callbacks.earlyStopping({ monitor: 'val_acc', patience: 1 })] });
      expect(warnings).toEqual([]);
      expect(history.epoch).toEqual([0, 1]);
    } finally {
      console.warn = warn;
    }
  });
});

describe('ReduceLROnPlateau on a metric the logs lack', () => {
  it("warns once per fit, as Keras's does, naming the metric and those there are, and changes nothing", async () => {
    const warn = console.warn;
    const warnings: string[] = [];
    console.warn = (msg: string) => void warnings.push(msg);
    try {
      const m = compiled();
      const history = await m.fit(x, y, { epochs: 3, verbose: 0, callbacks: [new tn.ReduceLROnPlateau({ monitor: 'val_loss', patience: 0 })] });
      expect(warnings).toEqual(['Learning rate reduction is conditioned on metric `val_loss` which is not available. Available metrics are: loss,learning_rate.']);
      expect(history.history.learning_rate).toEqual([0.01, 0.01, 0.01]);
    } finally {
      console.warn = warn;
    }
  });
});

describe("TF.js's names of a model of several outputs: <output>_acc and <output>_ce", () => {
  it("read Keras's <output>_accuracy and the crossentropy given, in the logs, the History and EarlyStopping's monitor", async () => {
    const input = tn.input({ shape: [2] });
    const yes = new tn.layers.Dense(1, { activation: 'sigmoid', name: 'yes' }).apply(input) as tn.SymbolicTensor;
    const kind = new tn.layers.Dense(3, { activation: 'softmax', name: 'kind' }).apply(input) as tn.SymbolicTensor;
    const model = tn.model({ inputs: input, outputs: [yes, kind] });
    model.compile({ optimizer: new tn.optimizers.SGD({ learningRate: 0 }), loss: ['binary_crossentropy', 'sparse_categorical_crossentropy'], metrics: ['accuracy', 'crossentropy'] });
    const xs = tn.tensor([[1, 0], [0, 1], [1, 1], [2, -1], [-1, 2], [0.5, 0.5]]);
    const ys = [tn.tensor([[1], [0], [1], [1], [0], [0]]), tn.tensor([0, 1, 2, 0, 1, 2], [6], 'int32')];
    const seen: Record<string, unknown>[] = [];
    const history = await model.fit(xs, ys, {
      epochs: 5, verbose: 0, validationData: [xs, ys],
      callbacks: [
        { onEpochEnd: (_e, logs) => void seen.push({ ...logs, yes_acc: logs!.yes_acc, kind_acc: logs!.kind_acc, kind_ce: logs!.kind_ce, val_yes_acc: logs!.val_yes_acc, val_kind_ce: logs!.val_kind_ce }) },
        // The learning rate 0 leaves every value where it is, so patience 1 stops after the second epoch.
        tn.callbacks.earlyStopping({ monitor: 'val_kind_acc', patience: 1 }),
      ],
    });
    expect(history.epoch).toEqual([0, 1]);
    for (const logs of seen) {
      expect(typeof logs.yes_accuracy).toBe('number');
      expect(logs.yes_acc).toBe(logs.yes_accuracy);
      expect(logs.kind_acc).toBe(logs.kind_accuracy);
      expect(logs.kind_ce).toBe(logs.kind_crossentropy);
      expect(logs.val_yes_acc).toBe(logs.val_yes_accuracy);
      expect(logs.val_kind_ce).toBe(logs.val_kind_crossentropy);
    }
    expect(history.history.yes_acc).toEqual(history.history.yes_accuracy);
    expect(history.history.val_kind_ce).toEqual(history.history.val_kind_crossentropy);
    expect(Object.keys(history.history).filter((k) => k.endsWith('_acc') || k.endsWith('_ce'))).toEqual([]);
  });
});

describe("fit's validation runs evaluate's hooks (Keras 3)", () => {
  it('onTestBegin, onTestBatchEnd and onTestEnd fire between the last batch and onEpochEnd, for tensors and for datasets', async () => {
    for (const fromDataset of [false, true]) {
      const seen: string[] = [];
      const hooks = {
        onBatchEnd: () => void seen.push('batch'),
        onTestBegin: () => void seen.push('testBegin'),
        onTestBatchEnd: (b: number) => void seen.push(`testBatch ${b}`),
        onTestEnd: (logs?: tn.Logs) => void seen.push(`testEnd ${typeof logs?.loss}`),
        onEpochEnd: () => void seen.push('epochEnd'),
      };
      const model = compiled();
      if (fromDataset) {
        const ds = tn.data.zip({ xs: tn.data.array([...Array(6)].map(() => tn.ones([2]))), ys: tn.data.array([...Array(6)].map(() => tn.zeros([1]))) }).batch(3);
        await model.fit(ds, { epochs: 1, verbose: 0, validationData: ds, callbacks: hooks });
      } else {
        await model.fit(x, y, { epochs: 1, batchSize: 3, verbose: 0, validationData: [x, y], validationBatchSize: 3, callbacks: hooks });
      }
      expect(seen, fromDataset ? 'dataset' : 'tensors').toEqual(['batch', 'batch', 'testBegin', 'testBatch 0', 'testBatch 1', 'testEnd number', 'epochEnd']);
    }
  });
});

describe("LearningRateScheduler's verbose", () => {
  it("is taken positionally, as Keras's verbose=1, or as { verbose }, and prints Keras's line each epoch", async () => {
    const printed = async (cb: tn.Callback): Promise<string> => {
      const lines: string[] = [];
      const write = process.stdout.write;
      process.stdout.write = ((chunk: string) => (lines.push(String(chunk)), true)) as typeof process.stdout.write;
      try {
        await compiled().fit(x, y, { epochs: 2, batchSize: 6, verbose: 0, callbacks: [cb] });
      } finally {
        process.stdout.write = write;
      }
      return lines.join('');
    };
    const schedule = (epoch: number) => 0.1 / (epoch + 1);
    const expected = '\nEpoch 1: LearningRateScheduler setting learning rate to 0.1.\n\nEpoch 2: LearningRateScheduler setting learning rate to 0.05.\n';
    expect(await printed(new tn.LearningRateScheduler(schedule, 1))).toBe(expected);
    // The options object used to be taken for a verbose of 0, silently.
    expect(await printed(new tn.LearningRateScheduler(schedule, { verbose: 1 }))).toBe(expected);
    expect(await printed(new tn.LearningRateScheduler(schedule))).toBe('');
    expect(() => new tn.LearningRateScheduler(schedule, { verbos: 1 } as never)).toThrow(/LearningRateScheduler: unrecognized option "verbos"/);
  });
});
