// tensornode: the public surface.
export { Tensor, Variable, tensor, scalar, zeros, ones, fill, zerosLike, onesLike, range, linspace, eye,
  randomNormal, randomUniform, truncatedNormal, variable } from './tensor.js';
export type { DType, DataArray, NestedArray, TensorLike } from './tensor.js';
export { setSeed } from './random.js';
export { backendInfo, setNumThreads } from './backend.js';
export type { BackendInfo } from './backend.js';
export { noGrad } from './autograd/tape.js';
export { grad, grads, valueAndGrad, valueAndGrads, variableGrads, gradients } from './autograd/grad.js';
export * from './ops/index.js';
