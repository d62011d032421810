// tn.quantization: post-training int8 quantization (quantize.ts) and the layers of a quantized model (layers.ts).
export { quantizeModel } from './quantize.js';
export type { QuantizeOptions } from './quantize.js';
export { QuantizedConv2D, QuantizedDense } from './layers.js';
export type { QuantizedConv2DArgs, QuantizedDenseArgs, QuantizedPoolArgs } from './layers.js';
