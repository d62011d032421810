// Keras and TF.js spell the same option two ways ('sparse_categorical_crossentropy', 'sparseCategoricalCrossentropy');
// lookups normalise both to one key.

/** 'glorot_uniform', 'glorotUniform' and 'GlorotUniform' all become 'glorotuniform'. */
export function normalizeName(name: string): string {
  return name.replace(/_/g, '').toLowerCase();
}

/** Keras's to_snake_case, rule for rule: MaxPooling2D -> max_pooling2d, Conv2D -> conv2d, ReLU -> re_lu. */
export function toSnakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** Looks `name` up in a table keyed by normalised names, or throws an error that lists the known names. */
export function lookup<T>(table: Map<string, T>, name: string, what: string, known: readonly string[]): T {
  const hit = table.get(normalizeName(name));
  if (hit === undefined) {
    throw new Error(`Unknown ${what} ${JSON.stringify(name)}. Known ${plural(what)}: ${known.join(', ')}`);
  }
  return hit;
}

function plural(word: string): string {
  return word.endsWith('s') ? `${word}es` : `${word}s`;
}

/**
 * Keras refuses a keyword argument it does not know; an options object here is checked the same way, so that a
 * misspelt option (patients, save_best_only) is an error naming it and the spelling it takes, not a silent default.
 * `hints` words the error for particular keys.
 */
export function checkOptionNames(options: unknown, allowed: readonly string[], what: string, hints: Record<string, string> = {}): void {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object' || Array.isArray(options)) throw new Error(`${what}: expected an options object, received ${JSON.stringify(options) ?? String(options)}`);
  const unknown = Object.keys(options).filter((k) => !allowed.includes(k) && (options as Record<string, unknown>)[k] !== undefined);
  if (!unknown.length) return;
  const hint = (k: string) => {
    // A caller's word on a known misspelling or an unimplemented Keras option, else the allowed spelling it is near.
    if (Object.hasOwn(hints, k)) return ` (${hints[k]})`;
    const camel = k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    const near = allowed.find((a) => a.toLowerCase() === camel.toLowerCase());
    return near && near !== k ? ` (did you mean ${near}?)` : '';
  };
  throw new Error(`${what}: unrecognized option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"${hint(k)}`).join(', ')}. It takes: ${allowed.join(', ')}`);
}

/**
 * Keras raises on a call argument a layer's call() does not take; without this check a misspelt or snake_case one
 * (`use_causal_mask: true`, `initial_state`) would be ignored and the layer would silently compute something else.
 */
export function checkCallArgs(args: object | null | undefined, allowed: readonly string[], layer: { name: string; className: string }): void {
  checkCallArgsForm(args, layer);
  checkOptionNames(args, ['training', 'mask', ...allowed], `Layer "${layer.name}" (${layer.className}) call`);
}

/**
 * apply's second argument is the call's options. Keras's positional calls, `mha(query, value)` and `layer(x, True)`,
 * ported as they are would put a tensor or a flag there, which every layer would otherwise read as options (or ignore).
 */
export function checkCallArgsForm(args: unknown, layer: { name: string; className: string }): void {
  if (args === undefined || args === null) return;
  const what = `Layer "${layer.name}" (${layer.className})`;
  const tensorLike = (v: unknown) => v !== null && typeof v === 'object' && Array.isArray((v as { shape?: unknown }).shape) && typeof (v as { dtype?: unknown }).dtype === 'string';
  if (tensorLike(args) || (Array.isArray(args) && args.some(tensorLike))) {
    throw new Error(`${what}: apply's second argument is the call's options ({ training, mask, ... }), but it received a tensor; several inputs go in one list, as in apply([query, value]) for Keras's layer(query, value)`);
  }
  if (typeof args !== 'object' || Array.isArray(args)) {
    throw new Error(`${what}: apply's second argument is the call's options ({ training, mask, ... }), received ${JSON.stringify(args) ?? String(args)}; Keras's layer(x, True) is apply(x, { training: true })`);
  }
}

/**
 * A registered class rebuilt from its saved config: its static fromConfig when it defines one (Keras's
 * from_config(config) with one parameter, else TF.js's fromConfig(cls, config)), otherwise `new cls(config)`, as
 * Keras's default from_config passes the config to the constructor.
 */
export function fromConfig<T>(cls: new (config: never) => T, config: Record<string, unknown>): T {
  const from = (cls as unknown as { fromConfig?: (...args: unknown[]) => T }).fromConfig;
  if (typeof from !== 'function') return new cls(config as never);
  return from.length === 1 ? from.call(cls, config) : from.call(cls, cls, config);
}
