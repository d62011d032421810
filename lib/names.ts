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
