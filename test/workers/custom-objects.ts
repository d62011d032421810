// Custom classes for test/workers-fit.test.ts: the test imports this module on the main thread and names it in
// { worker: { modules: [...] } } so the worker registers the same classes before it rebuilds the model.
import * as tn from '../../lib/index.js';

/** y = x * scale, one trainable scale per feature. */
export class Scale extends tn.Layer {
  static className = 'Scale';
  scale: tn.Variable | null = null;

  override build(shape: tn.layers.Shape | tn.layers.Shape[]): void {
    const s = shape as tn.layers.Shape;
    this.scale = this.addWeight('scale', { shape: [s[s.length - 1] as number], initializer: 'ones' });
    super.build(shape);
  }

  override call(x: tn.Tensor): tn.Tensor {
    return tn.mul(x, this.scale!);
  }
}

/** The identity at inference; throws when it trains, to test that a worker's error crosses back. */
export class Explode extends tn.Layer {
  static className = 'Explode';

  override call(x: tn.Tensor, args: tn.layers.CallArgs = {}): tn.Tensor {
    if (args.training) throw new Error('Explode: this layer fails on purpose while training');
    return x;
  }
}

/** Half the mean squared error. */
export class HalfSquaredError extends tn.losses.Loss {
  constructor(config: { name?: string } = {}) {
    super(config, 'half_squared_error');
  }

  call(yTrue: tn.Tensor, yPred: tn.Tensor): tn.Tensor {
    return tn.mul(tn.mean(tn.square(tn.sub(yTrue, yPred)), -1), 0.5);
  }
}

/** The mean of the predictions. */
export class MeanPrediction extends tn.metrics.Mean {
  constructor(config: { name?: string } = {}) {
    super(config.name ?? 'mean_prediction');
  }
}

tn.serialization.registerClass(Scale);
tn.serialization.registerClass(Explode);
tn.serialization.registerClass(HalfSquaredError);
tn.serialization.registerClass(MeanPrediction);
