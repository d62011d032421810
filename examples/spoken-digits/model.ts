// The spoken-digits classifier: a 1-D convolution over time, with the 40 mel bands as channels. The library comes in
// as an argument (the example passes `import * as tn from 'tensornode'`, the test the sources in lib/), so that the
// test runs this very model without a build of the package. The parameter's type names only what is used here: the
// built package's classes and the sources' are distinct types to TypeScript (they have private members).
type LayerClass<L, A extends unknown[]> = new (...args: A) => L;
interface CompileArgs { optimizer: string; loss: string; metrics: string[] }

export interface Library<M extends { compile(args: CompileArgs): void }, L> {
  Sequential: new (layers: L[]) => M;
  layers: {
    Conv1D: LayerClass<L, [number, number, { activation: 'relu'; padding: 'same'; inputShape?: number[] }]>;
    BatchNormalization: LayerClass<L, []>;
    MaxPooling1D: LayerClass<L, [number]>;
    GlobalMaxPooling1D: LayerClass<L, []>;
    Dropout: LayerClass<L, [number]>;
    Dense: LayerClass<L, [number, { activation: 'relu' | 'softmax' }]>;
  };
}

export function buildModel<M extends { compile(args: CompileArgs): void }, L>(tn: Library<M, L>, frames: number, nMels: number): M {
  const { Conv1D, MaxPooling1D, GlobalMaxPooling1D, Dropout, Dense, BatchNormalization } = tn.layers;
  const model = new tn.Sequential([
    new Conv1D(64, 5, { activation: 'relu', padding: 'same', inputShape: [frames, nMels] }),
    new BatchNormalization(),
    new MaxPooling1D(2),
    new Conv1D(96, 5, { activation: 'relu', padding: 'same' }),
    new BatchNormalization(),
    new MaxPooling1D(2),
    new Conv1D(128, 3, { activation: 'relu', padding: 'same' }),
    new GlobalMaxPooling1D(),
    new Dropout(0.3),
    new Dense(64, { activation: 'relu' }),
    new Dropout(0.3),
    new Dense(10, { activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return model;
}
