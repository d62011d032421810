// TF.js's tf.models.modelFromJSON: a model from a model.json's topology (new weights), or from the topology and a
// weights manifest whose shards are read from pathPrefix (a folder, file://, or an http(s) prefix).
import { readFile } from 'node:fs/promises';
import { pathInside } from '../io/manifest.js';
import { modelFromKeras } from '../io/keras-config.js';
import { registerClass } from '../io/serialization.js';
import { artifactsFromModelJSON, checkModelJSON, modelFromArtifacts } from '../io/tfjs-layers.js';
import type { Model } from './model.js';

export interface ModelAndWeightsConfig {
  modelTopology: object;
  weightsManifest?: { paths: string[]; weights: object[] }[];
  /** Where the manifest's shard paths are: a folder (or file:// URL), or an http(s) URL the paths are appended to. */
  pathPrefix?: string;
}

/**
 * TF.js's models.modelFromJSON(modelAndWeightsConfig, customObjects): a model built from `modelTopology` (a layers
 * model's topology, or Keras's { model_config }), given alone or as { modelTopology, weightsManifest, pathPrefix }
 * to load the weights too. As TF.js's, it does not compile the model. customObjects' classes are registered (as
 * tn.serialization.registerClass does) under the names they are given.
 */
export async function modelFromJSON(modelAndWeightsConfig: ModelAndWeightsConfig | object, customObjects?: Record<string, unknown>): Promise<Model> {
  const where = 'models.modelFromJSON';
  if (!modelAndWeightsConfig || typeof modelAndWeightsConfig !== 'object' || Array.isArray(modelAndWeightsConfig)) {
    throw new Error(`${where}: expected a model topology or { modelTopology, weightsManifest, pathPrefix }, received ${String(modelAndWeightsConfig)}`);
  }
  if (customObjects !== undefined && customObjects !== null) {
    if (typeof customObjects !== 'object') throw new Error(`${where}: customObjects must map class names to classes`);
    for (const [name, cls] of Object.entries(customObjects)) {
      if (typeof cls !== 'function') throw new Error(`${where}: customObjects["${name}"] must be a class, received ${typeof cls}`);
      const c = cls as { className?: string };
      // TF.js looks a class up by the key it is given, which is the className the topology names.
      if (c.className !== name) Object.defineProperty(cls, 'className', { value: name, configurable: true });
      registerClass(cls as never);
    }
  }
  const cfg = ('modelTopology' in modelAndWeightsConfig ? modelAndWeightsConfig : { modelTopology: modelAndWeightsConfig }) as ModelAndWeightsConfig;
  let topology = cfg.modelTopology as Record<string, unknown>;
  if (topology && typeof topology === 'object' && topology.model_config != null) topology = topology.model_config as Record<string, unknown>;
  if (cfg.weightsManifest === undefined || cfg.weightsManifest === null) return modelFromKeras(topology, `${where}: modelTopology`);
  const json = checkModelJSON({ modelTopology: topology, weightsManifest: cfg.weightsManifest }, where);
  const prefix = cfg.pathPrefix ?? '';
  if (typeof prefix !== 'string') throw new Error(`${where}: pathPrefix must be a string, received ${typeof prefix}`);
  const remote = /^https?:\/\//.test(prefix);
  const dir = prefix.startsWith('file://') ? prefix.slice('file://'.length) : prefix || '.';
  const readShard = async (path: string): Promise<Uint8Array> => {
    if (!remote) return new Uint8Array(await readFile(pathInside(dir, path, where)));
    // TF.js fetches pathPrefix + path.
    const res = await fetch(prefix + path);
    if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText} for ${prefix + path}`);
    return new Uint8Array(await res.arrayBuffer());
  };
  const artifacts = await artifactsFromModelJSON(json, readShard, where);
  return modelFromArtifacts(artifacts, where, { compile: false });
}
