// An independent float64 forward pass of a Keras file, for the Keras loader's tests. It reads the file with h5wasm
// and fflate directly (not through lib/io), takes the layer list from the file's own config, and computes each layer
// with plain loops in float64: Dense, Conv2D (valid/same, strides), MaxPooling2D, Flatten, Dropout (inference:
// identity), Embedding and LSTM (Keras's gate order i, f, c, o), with the activations those files use. Nothing here
// calls tensornode, so a mistake in the loader (a transposed kernel, a swapped gate, a weight given to the wrong
// layer) shows up as a difference.
import h5wasm, { type Dataset, type Group } from 'h5wasm';
import { strFromU8, unzipSync } from 'fflate';

type Json = Record<string, any>;

/** A float64 tensor: row-major values and a shape. */
export interface Ref {
  shape: number[];
  data: Float64Array;
}

interface RefLayer {
  className: string;
  config: Json;
  weights: Ref[];
}

let scratch = 0;
async function withH5<T>(bytes: Uint8Array, f: (file: Group) => T): Promise<T> {
  const m = await h5wasm.ready;
  const name = `/keras-reference-${++scratch}.h5`;
  m.FS.writeFile(name, bytes);
  const file = new h5wasm.File(name, 'r');
  try {
    return f(file);
  } finally {
    file.close();
    m.FS.unlink(name);
  }
}

function toRef(d: Dataset): Ref {
  const v = d.value;
  const data = typeof v === 'number' ? Float64Array.of(v) : Float64Array.from(v as ArrayLike<number>);
  return { shape: d.shape ?? [], data };
}

/** Keras's naming.to_snake_case. */
function snake(name: string): string {
  return name.replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

function sequentialLayers(config: Json): Json[] {
  const spec = config.model_config ?? config;
  if (spec.class_name !== 'Sequential') throw new Error(`the reference handles Sequential models, not ${spec.class_name}`);
  return (spec.config.layers as Json[]).filter((l) => l.class_name !== 'InputLayer');
}

/** The layers of a `.keras` file with their weights, read from `layers/<class name>_<k>/vars` (and `/cell/vars`). */
export async function kerasArchiveReference(bytes: Uint8Array): Promise<RefLayer[]> {
  const files = unzipSync(bytes);
  const config = JSON.parse(strFromU8(files['config.json'])) as Json;
  const layers = sequentialLayers(config);
  return withH5(files['model.weights.h5'], (root) => {
    const used = new Map<string, number>();
    // Windows-saved files have one group named `layers\dense`; Linux ones `layers` / `dense`.
    const group = (path: string[]): Group | null => {
      let g: Group | null = root;
      for (const p of path) g = g && g.keys().includes(p) ? (g.get(p) as Group) : null;
      if (g) return g;
      const flat = path.join('\\');
      return root.keys().includes(flat) ? (root.get(flat) as Group) : null;
    };
    return layers.map((l): RefLayer => {
      const base = snake(l.class_name);
      const n = used.has(base) ? used.get(base)! + 1 : 0;
      used.set(base, n);
      const name = n === 0 ? base : `${base}_${n}`;
      const owner = group(l.class_name === 'LSTM' ? ['layers', name, 'cell'] : ['layers', name]);
      const vars = owner?.keys().includes('vars') ? (owner.get('vars') as Group) : null;
      const weights = vars ? vars.keys().map(Number).sort((a, b) => a - b).map((i) => toRef(vars.get(String(i)) as Dataset)) : [];
      return { className: l.class_name, config: l.config, weights };
    });
  });
}

/** The layers of a Keras 2-format `.h5` file, with the weights its weight_names list. */
export async function kerasH5Reference(bytes: Uint8Array): Promise<RefLayer[]> {
  return withH5(bytes, (root) => {
    const config = JSON.parse(root.attrs.model_config.value as string) as Json;
    const weightsGroup = root.get('model_weights') as Group;
    return sequentialLayers(config).map((l): RefLayer => {
      const g = weightsGroup.keys().includes(l.config.name) ? (weightsGroup.get(l.config.name) as Group) : null;
      const names = g ? (g.attrs.weight_names?.value as string[] | null) ?? [] : [];
      const list = Array.isArray(names) ? names : [];
      return { className: l.class_name, config: l.config, weights: list.map((w) => toRef(g!.get(w) as Dataset)) };
    });
  });
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
function activate(name: string, x: Ref): Ref {
  const d = x.data;
  const out = new Float64Array(d.length);
  if (name === 'softmax') {
    const n = x.shape[x.shape.length - 1];
    for (let r = 0; r < d.length / n; r++) {
      let max = -Infinity;
      for (let j = 0; j < n; j++) max = Math.max(max, d[r * n + j]);
      let sum = 0;
      for (let j = 0; j < n; j++) sum += (out[r * n + j] = Math.exp(d[r * n + j] - max));
      for (let j = 0; j < n; j++) out[r * n + j] /= sum;
    }
    return { shape: x.shape, data: out };
  }
  const f: Record<string, (v: number) => number> = { linear: (v) => v, relu: (v) => Math.max(0, v), sigmoid, tanh: Math.tanh };
  if (!f[name]) throw new Error(`the reference has no activation ${name}`);
  for (let i = 0; i < d.length; i++) out[i] = f[name](d[i]);
  return { shape: x.shape, data: out };
}

function dense(x: Ref, kernel: Ref, bias: Ref | undefined): Ref {
  const [inDim, units] = kernel.shape;
  const rows = x.data.length / inDim;
  const out = new Float64Array(rows * units);
  for (let r = 0; r < rows; r++) {
    for (let u = 0; u < units; u++) {
      let s = bias ? bias.data[u] : 0;
      for (let k = 0; k < inDim; k++) s += x.data[r * inDim + k] * kernel.data[k * units + u];
      out[r * units + u] = s;
    }
  }
  return { shape: [...x.shape.slice(0, -1), units], data: out };
}

const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [v[0], v[1]] : [v as number, v as number]);

/** Keras's output size and the padding before the first window ('same' puts the odd pixel at the end). */
function window(size: number, k: number, s: number, padding: string): [number, number] {
  if (padding === 'valid') return [Math.floor((size - k) / s) + 1, 0];
  const out = Math.ceil(size / s);
  const total = Math.max((out - 1) * s + k - size, 0);
  return [out, Math.floor(total / 2)];
}

function conv2d(x: Ref, kernel: Ref, bias: Ref | undefined, c: Json): Ref {
  const [n, h, w, cin] = x.shape;
  const [kh, kw, , cout] = kernel.shape;
  const [sh, sw] = pair(c.strides ?? 1);
  const [oh, ph] = window(h, kh, sh, c.padding);
  const [ow, pw] = window(w, kw, sw, c.padding);
  const out = new Float64Array(n * oh * ow * cout);
  for (let b = 0; b < n; b++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let o = 0; o < cout; o++) {
    let s = bias ? bias.data[o] : 0;
    for (let di = 0; di < kh; di++) for (let dj = 0; dj < kw; dj++) {
      const y = i * sh + di - ph;
      const z = j * sw + dj - pw;
      if (y < 0 || y >= h || z < 0 || z >= w) continue;
      for (let ci = 0; ci < cin; ci++) s += x.data[((b * h + y) * w + z) * cin + ci] * kernel.data[((di * kw + dj) * cin + ci) * cout + o];
    }
    out[((b * oh + i) * ow + j) * cout + o] = s;
  }
  return { shape: [n, oh, ow, cout], data: out };
}

function maxPool(x: Ref, c: Json): Ref {
  const [n, h, w, ch] = x.shape;
  const [kh, kw] = pair(c.pool_size ?? 2);
  const [sh, sw] = pair(c.strides ?? c.pool_size ?? 2);
  const [oh, ph] = window(h, kh, sh, c.padding ?? 'valid');
  const [ow, pw] = window(w, kw, sw, c.padding ?? 'valid');
  const out = new Float64Array(n * oh * ow * ch);
  for (let b = 0; b < n; b++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let k = 0; k < ch; k++) {
    let m = -Infinity;
    for (let di = 0; di < kh; di++) for (let dj = 0; dj < kw; dj++) {
      const y = i * sh + di - ph;
      const z = j * sw + dj - pw;
      if (y >= 0 && y < h && z >= 0 && z < w) m = Math.max(m, x.data[((b * h + y) * w + z) * ch + k]);
    }
    out[((b * oh + i) * ow + j) * ch + k] = m;
  }
  return { shape: [n, oh, ow, ch], data: out };
}

function embedding(x: Ref, table: Ref): Ref {
  const dim = table.shape[1];
  const out = new Float64Array(x.data.length * dim);
  x.data.forEach((id, i) => out.set(table.data.subarray(id * dim, id * dim + dim), i * dim));
  return { shape: [...x.shape, dim], data: out };
}

/** Keras's LSTM: z = x W + h U + b split into i, f, c, o; c' = f c + i tanh(c~); h' = o tanh(c'). */
function lstm(x: Ref, kernel: Ref, recurrent: Ref, bias: Ref | undefined, c: Json): Ref {
  const [n, steps, features] = x.shape;
  const units = recurrent.shape[0];
  const act = (name: string, v: number) => (name === 'tanh' ? Math.tanh(v) : name === 'sigmoid' ? sigmoid(v) : name === 'relu' ? Math.max(0, v) : v);
  const a = c.activation ?? 'tanh';
  const ra = c.recurrent_activation ?? 'sigmoid';
  const seq = new Float64Array(n * steps * units);
  const last = new Float64Array(n * units);
  for (let b = 0; b < n; b++) {
    const h = new Float64Array(units);
    const cell = new Float64Array(units);
    for (let t = 0; t < steps; t++) {
      const z = new Float64Array(4 * units);
      for (let g = 0; g < 4 * units; g++) {
        let s = bias ? bias.data[g] : 0;
        for (let k = 0; k < features; k++) s += x.data[(b * steps + t) * features + k] * kernel.data[k * 4 * units + g];
        for (let k = 0; k < units; k++) s += h[k] * recurrent.data[k * 4 * units + g];
        z[g] = s;
      }
      for (let u = 0; u < units; u++) {
        const i = act(ra, z[u]);
        const f = act(ra, z[units + u]);
        const cc = act(a, z[2 * units + u]);
        const o = act(ra, z[3 * units + u]);
        cell[u] = f * cell[u] + i * cc;
        h[u] = o * act(a, cell[u]);
      }
      seq.set(h, (b * steps + t) * units);
    }
    last.set(h, b * units);
  }
  return c.return_sequences ? { shape: [n, steps, units], data: seq } : { shape: [n, units], data: last };
}

/** The model's output for `x`, layer by layer, in float64. */
export function referenceForward(layers: RefLayer[], x: Ref): Ref {
  let y = x;
  for (const l of layers) {
    const c = l.config;
    const [w0, w1, w2] = l.weights;
    switch (l.className) {
      case 'Dense':
        y = activate(c.activation, dense(y, w0, c.use_bias === false ? undefined : w1));
        break;
      case 'Conv2D':
        y = activate(c.activation, conv2d(y, w0, c.use_bias === false ? undefined : w1, c));
        break;
      case 'MaxPooling2D':
        y = maxPool(y, c);
        break;
      case 'Flatten':
        y = { shape: [y.shape[0], y.data.length / y.shape[0]], data: y.data };
        break;
      case 'Dropout':
        break;
      case 'Embedding':
        y = embedding(y, w0);
        break;
      case 'LSTM':
        y = lstm(y, w0, w1, c.use_bias === false ? undefined : w2, c);
        break;
      default:
        throw new Error(`the reference has no layer ${l.className}`);
    }
  }
  return y;
}
