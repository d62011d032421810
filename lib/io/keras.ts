// Keras's files as bytes <-> a description (config JSON and weight arrays by Keras's own paths); no model here.
//
//   .keras (Keras 3, and tf.keras 2.13+): a zip of metadata.json ({ keras_version, date_saved }), config.json (the
//     model's serialized config) and model.weights.h5, whose groups follow the objects of the model:
//     layers/<name>/vars/<i> for a layer's i-th variable, layers/lstm/cell/vars/<i> for an RNN's cell,
//     layers/<nested model>/layers/..., optimizer/vars/<i> for the optimizer's state, vars/ for the model's own.
//     The same HDF5 layout on its own is Keras 3's `x.weights.h5`. Keras 2 on Windows joined the group names with
//     os.path.join, so a file saved there has one group literally named `layers\dense`: backslashes are read as '/'.
//   .h5 (Keras 2's format, still written by Keras 3 for `model.save('x.h5')`): attributes keras_version, backend,
//     model_config (JSON) and training_config (JSON) on the root; group model_weights with attribute layer_names,
//     and per layer a group with attribute weight_names listing the datasets' paths inside it in the layer's weight
//     order (`dense_13/kernel:0` in Keras 2, `sequential_4/dense_13/kernel` in Keras 3). A weights-only .h5
//     (Keras 2's save_weights) has layer_names on the root.
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { readHdf5, writeHdf5, type H5Array, type H5Group } from './hdf5.js';

export type Json = Record<string, unknown>;
export type { H5Array } from './hdf5.js';

/** model.weights.h5, flattened: object path ('layers/dense', 'layers/lstm/cell', 'optimizer', '') -> its variables. */
export type KerasWeights = Map<string, H5Array[]>;

export interface KerasArchive {
  metadata: Json;
  config: Json;
  weights: KerasWeights;
  /** The vocabularies of adapted lookup layers (StringLookup, TextVectorization): zip path -> text. */
  vocabularies: Map<string, string>;
}

/** Where Keras 3's save_assets puts an adapted lookup layer's vocabulary, one token a line. */
const isVocabularyAsset = (name: string): boolean => name.startsWith('assets/') && name.endsWith('/vocabulary.txt');

export interface KerasLegacyLayer {
  name: string;
  /** The layer's weights in its weight order, with the names weight_names gives them. */
  weights: { name: string; array: H5Array }[];
}

export interface KerasLegacyH5 {
  kerasVersion: string | null;
  backend: string | null;
  /** model_config, or null for a weights-only file. */
  modelConfig: Json | null;
  trainingConfig: Json | null;
  /** model_weights' layers in layer_names order (every layer, also those without weights). */
  layers: KerasLegacyLayer[];
  /** optimizer_weights in weight_names order (the step count first), empty when the file has none. */
  optimizerWeights: { name: string; array: H5Array }[];
}

const ZIP_MEMBERS = { metadata: 'metadata.json', config: 'config.json', weights: 'model.weights.h5' };

function parseJson(text: string, what: string): Json {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new Error(`${what} is not valid JSON: ${(err as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${what} is not a JSON object`);
  return v as Json;
}

// fflate extracts without checking the members' CRC-32s, and Keras stores model.weights.h5 uncompressed, so a
// damaged byte in the weights would load as a wrong weight. The checksums the zip records are compared here: the
// central directory's entries (APPNOTE 4.3.12) give each name's CRC-32.
const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function centralDirectoryCrcs(bytes: Uint8Array): Map<string, number> {
  const out = new Map<string, number>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) return out;
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  for (let k = 0; k < count && at + 46 <= bytes.length && view.getUint32(at, true) === 0x02014b50; k++) {
    const nameLength = view.getUint16(at + 28, true);
    const name = strFromU8(bytes.subarray(at + 46, at + 46 + nameLength));
    out.set(name, view.getUint32(at + 16, true));
    at += 46 + nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
  }
  return out;
}

/** Reads a .keras zip. `what` names the file in errors. */
export async function readKerasArchive(bytes: Uint8Array, what: string): Promise<KerasArchive> {
  // A zip starts with a local file header "PK\x03\x04" (an empty zip with the end record "PK\x05\x06").
  if (!(bytes instanceof Uint8Array) || bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b || bytes[2] !== 0x03 || bytes[3] !== 0x04) {
    throw new Error(`${what}: not a .keras file (a .keras file is a zip archive, and these ${bytes?.length ?? 0} bytes do not start with a zip header)`);
  }
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter: (f) => {
        const name = f.name.replace(/\\/g, '/');
        if (!Object.values(ZIP_MEMBERS).includes(name) && !isVocabularyAsset(name)) return false;
        // Deflate expands at most ~1032:1; a header claiming more is damaged or hostile. Checked before the
        // member is inflated, so a zip bomb allocates nothing.
        if (f.originalSize > 1032 * Math.max(f.size, 1) + 1024) throw new Error(`${f.name} claims ${f.originalSize} bytes from ${f.size} compressed bytes`);
        return true;
      },
    });
  } catch (err) {
    throw new Error(`${what}: the .keras zip archive is damaged or truncated (${(err as Error).message})`);
  }
  const crcs = centralDirectoryCrcs(bytes);
  const member = (name: string): Uint8Array => {
    const hit = Object.entries(files).find(([n]) => n.replace(/\\/g, '/') === name);
    if (!hit) throw new Error(`${what}: the .keras archive has no ${name} (it holds ${Object.keys(files).join(', ') || 'none of metadata.json, config.json, model.weights.h5'})`);
    const expected = crcs.get(hit[0]);
    if (expected !== undefined && crc32(hit[1]) !== expected) {
      throw new Error(`${what}: ${name} in the .keras archive is corrupted (its CRC-32 does not match the one the zip records)`);
    }
    return hit[1];
  };
  const metadata = parseJson(strFromU8(member(ZIP_MEMBERS.metadata)), `${what}: ${ZIP_MEMBERS.metadata}`);
  const config = parseJson(strFromU8(member(ZIP_MEMBERS.config)), `${what}: ${ZIP_MEMBERS.config}`);
  const weights = await readKerasWeights(member(ZIP_MEMBERS.weights), `${what}: ${ZIP_MEMBERS.weights}`);
  const vocabularies = new Map<string, string>();
  for (const name of Object.keys(files)) {
    const path = name.replace(/\\/g, '/');
    if (isVocabularyAsset(path)) vocabularies.set(path, strFromU8(member(path)));
  }
  return { metadata, config, weights, vocabularies };
}

/** Writes a .keras zip from its three members, stored uncompressed and in this order, as Keras writes them. */
export function writeKerasArchive(archive: { metadata: Json; config: Json; weightsH5: Uint8Array }): Uint8Array {
  return zipSync({
    [ZIP_MEMBERS.metadata]: strToU8(JSON.stringify(archive.metadata)),
    [ZIP_MEMBERS.config]: strToU8(JSON.stringify(archive.config)),
    [ZIP_MEMBERS.weights]: archive.weightsH5,
  }, { level: 0 });
}

/** Numeric member names 0, 1, 2, ... in order; anything else in a `vars` group is an error. */
function readVars(vars: H5Group, what: string): H5Array[] {
  const names = vars.keys();
  const arrays: H5Array[] = [];
  for (let i = 0; i < names.length; i++) {
    if (!vars.isDataset(String(i))) {
      throw new Error(`${what}: group ${vars.path} should hold datasets named 0..${names.length - 1}, but it holds ${names.join(', ')}`);
    }
    arrays.push(vars.dataset(String(i)));
  }
  return arrays;
}

/** Reads a Keras 3 weights file (model.weights.h5 inside a .keras, or a standalone x.weights.h5). */
export async function readKerasWeights(bytes: Uint8Array, what: string): Promise<KerasWeights> {
  return readHdf5(bytes, what, (root) => {
    const out: KerasWeights = new Map();
    if (root.attrNames().includes('layer_names') || root.keys().includes('model_weights')) {
      throw new Error(`${what}: this is a Keras 2 HDF5 file (it has layer_names / model_weights), not a Keras 3 weights file; give it a name ending in .h5 but not .weights.h5`);
    }
    const walk = (g: H5Group, path: string): void => {
      for (const name of g.keys()) {
        const sub = g.subgroup(name);
        if (!sub) continue;
        if (name === 'vars') {
          const key = path.replace(/\\/g, '/');
          if (out.has(key)) throw new Error(`${what}: two groups hold the variables of "${key}" (one with '/', one with '\\' in its name)`);
          out.set(key, readVars(sub, what));
        } else {
          walk(sub, path ? `${path}/${name}` : name);
        }
      }
    };
    walk(root, '');
    return out;
  });
}

/** Writes a Keras 3 weights file: for each object path, a `vars` group with datasets 0, 1, ... */
export async function writeKerasWeights(weights: KerasWeights | Map<string, (H5Array | { dtype: 'int64'; shape: number[]; values: BigInt64Array })[]>): Promise<Uint8Array> {
  return writeHdf5('model.weights.h5', (root) => {
    const groups = new Map<string, H5Group>([['', root]]);
    const groupAt = (path: string): H5Group => {
      const hit = groups.get(path);
      if (hit) return hit;
      const i = path.lastIndexOf('/');
      const parent = groupAt(i < 0 ? '' : path.slice(0, i));
      const g = parent.createGroup(path.slice(i + 1));
      groups.set(path, g);
      return g;
    };
    for (const [path, arrays] of weights) {
      const vars = groupAt(path ? `${path}/vars` : 'vars');
      arrays.forEach((a, i) => vars.createDataset(String(i), a));
    }
  });
}

function stringList(v: unknown, what: string): string[] {
  if (v === null || v === undefined) return [];
  // h5py writes an empty list as an empty float64 array, which reads back as [] or {}.
  if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0) return [];
  if (Array.isArray(v) && v.every((e) => typeof e === 'string')) return v as string[];
  if (typeof v === 'string') return [v];
  throw new Error(`${what} is ${JSON.stringify(v)?.slice(0, 200)}, expected a list of strings`);
}

function jsonAttr(root: H5Group, name: string, what: string): Json | null {
  const v = root.attr(name);
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') throw new Error(`${what}: attribute ${name} is not a JSON string`);
  return parseJson(v, `${what}: attribute ${name}`);
}

/** Reads a Keras 2-format HDF5 file: a whole model (model.save('x.h5')) or only its weights (save_weights('x.h5')). */
export async function readKerasLegacyH5(bytes: Uint8Array, what: string): Promise<KerasLegacyH5> {
  return readHdf5(bytes, what, (root) => {
    const modelConfig = jsonAttr(root, 'model_config', what);
    const trainingConfig = jsonAttr(root, 'training_config', what);
    const weightsGroup = root.keys().includes('model_weights') ? root.subgroup('model_weights') : root.attrNames().includes('layer_names') ? root : null;
    if (!weightsGroup) {
      if (root.keys().includes('layers') || root.keys().includes('vars')) {
        throw new Error(`${what}: this is a Keras 3 weights file (layers/<name>/vars groups); Keras 3 names such files x.weights.h5, and tensornode reads them under that name`);
      }
      throw new Error(`${what}: not a Keras HDF5 file: it has neither a model_weights group nor a layer_names attribute`);
    }
    const str = (v: unknown) => (typeof v === 'string' ? v : null);
    // weight_names are paths inside the group: dense_13/kernel:0, sequential_4/dense_13/kernel, Adam/m/dense/bias:0.
    const datasetAt = (g: H5Group, w: string, owner: string): H5Array => {
      const parts = w.split('/');
      let at: H5Group | null = g;
      for (const p of parts.slice(0, -1)) at = at?.subgroup(p) ?? null;
      const leaf = parts[parts.length - 1];
      if (!at || !at.isDataset(leaf)) throw new Error(`${what}: weight_names of ${owner} lists "${w}", but ${g.path} has no dataset at that path`);
      return at.dataset(leaf);
    };
    const layerNames = stringList(weightsGroup.attr('layer_names'), `${what}: attribute layer_names`);
    const layers = layerNames.map((name): KerasLegacyLayer => {
      const g = weightsGroup.subgroup(name);
      if (!g) throw new Error(`${what}: layer_names lists "${name}", but ${weightsGroup.path} has no group of that name`);
      const names = stringList(g.attr('weight_names'), `${what}: attribute weight_names of ${g.path}`);
      return {
        name,
        weights: names.map((w) => ({ name: w, array: datasetAt(g, w, `layer "${name}"`) })),
      };
    });
    return {
      kerasVersion: str(root.attr('keras_version')) ?? str(weightsGroup.attr('keras_version')),
      backend: str(root.attr('backend')) ?? str(weightsGroup.attr('backend')),
      modelConfig,
      trainingConfig,
      layers,
      optimizerWeights: ((): { name: string; array: H5Array }[] => {
        const g = root.keys().includes('optimizer_weights') ? root.subgroup('optimizer_weights') : null;
        if (!g) return [];
        return stringList(g.attr('weight_names'), `${what}: attribute weight_names of ${g.path}`).map((w) => ({ name: w, array: datasetAt(g, w, 'optimizer_weights') }));
      })(),
    };
  });
}
