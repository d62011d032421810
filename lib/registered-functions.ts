// Functions registered for saving (Keras's @register_keras_serializable on a function): a config names such a
// function as Keras 3 serializes one, { module, class_name: 'function', config, registered_name }, and loading finds it
// here by that name. A function's code is not in any file format, so an unregistered one cannot be saved.

type Fn = (...args: never[]) => unknown;

const byName = new Map<string, Fn>();
const nameOf = new Map<Fn, string>();

/** @internal Records `fn` under Keras's "package>name" (and the bare name, as a file from Keras may give only that). */
export function registerFunction(fn: Fn, registeredName: string): void {
  byName.set(registeredName, fn);
  byName.set(registeredName.slice(registeredName.lastIndexOf('>') + 1), fn);
  nameOf.set(fn, registeredName);
}

/** The "package>name" `fn` was registered under, if it was. */
export function registeredFunctionName(fn: unknown): string | undefined {
  return nameOf.get(fn as Fn);
}

/** The function registered under "package>name" or its bare name, if any. */
export function registeredFunction(name: string): Fn | undefined {
  return byName.get(name) ?? byName.get(name.slice(name.lastIndexOf('>') + 1));
}

/** Keras 3's serialized form of a registered function, or null for one never registered. */
export function serializeFunction(fn: Fn): Record<string, unknown> | null {
  const name = nameOf.get(fn);
  return name === undefined ? null : { module: null, class_name: 'function', config: name, registered_name: name };
}

/** Whether `v` is a serialized function as Keras 3 writes one (or the same with camelCase keys, as TF.js configs read). */
export function isSerializedFunction(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return (o.class_name ?? o.className) === 'function';
}

/**
 * The registered function a serialized one names (by registered_name, then its config), or an error saying how to
 * register it; `what` names the layer and argument ('TextVectorization "tv": standardize').
 */
export function deserializeFunction(v: Record<string, unknown>, what: string): Fn {
  const names = [v.registered_name ?? v.registeredName, v.config].filter((n): n is string => typeof n === 'string');
  for (const n of names) {
    const fn = registeredFunction(n);
    if (fn) return fn;
  }
  throw new Error(
    `${what} names the function ${JSON.stringify(names[0] ?? v)}, which is not registered: call ` +
      'tn.saving.registerKerasSerializable(fn, { package, name }) with the same function before loading',
  );
}
