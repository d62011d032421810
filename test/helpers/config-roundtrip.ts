// The configs of built-in layers: getConfig() builds an equal layer, directly and through Keras's (TF.js's)
// spelling (layerToKeras / layerFromKeras).
import { expect } from 'vitest';
import type * as tn from '../../lib/index.js';
import { layerFromKeras, layerToKeras } from '../../lib/io/keras-config.js';

export function expectConfigRoundTrip(layers: tn.Layer[]): void {
  for (const layer of layers) {
    const Cls = layer.constructor as new (c: Record<string, unknown>) => tn.Layer;
    expect(new Cls(JSON.parse(JSON.stringify(layer.getConfig()))).getConfig(), layer.className).toEqual(layer.getConfig());
    const viaKeras = layerFromKeras(JSON.parse(JSON.stringify(layerToKeras(layer))));
    expect(viaKeras.constructor, layer.className).toBe(layer.constructor);
    expect(viaKeras.getConfig(), layer.className).toEqual(layer.getConfig());
  }
}
