// Mixed precision, Keras's keras.mixed_precision: a dtype policy names the dtype a layer computes in and the dtype
// of its variables. Under 'mixed_bfloat16' the products of Dense and Conv2D layers (forward and both gradients) take
// their operands rounded to bfloat16 and sum in float32, on AVX512_BF16's vdpbf16ps; variables, outputs, gradients,
// losses and the optimizer stay float32. Without that instruction the policy computes in float32 and warns once.
import { native } from './native.js';

/** The policies tensornode computes: float32, and bfloat16 products with float32 variables. */
export type PolicyName = 'float32' | 'mixed_bfloat16';

const policyNames: readonly string[] = ['float32', 'mixed_bfloat16'];

/** Keras's DTypePolicy: `name`, the dtype layers compute in (`computeDtype`) and the one their variables hold. */
export class Policy {
  readonly name: PolicyName;

  constructor(name: string) {
    if (name === 'mixed_float16' || name === 'float16') {
      throw new Error(
        `Policy: '${name}' is not supported: tensornode has no float16 arithmetic on CPUs (no x86 CPU multiplies float16 ` +
          "faster than float32 outside AVX512_FP16). Use 'mixed_bfloat16', which keeps float32's range, or 'float32'.",
      );
    }
    if (typeof name !== 'string' || !policyNames.includes(name)) {
      throw new Error(
        `Policy: received an invalid name, expected one of ${policyNames.map((n) => `'${n}'`).join(', ')}. Received: name=${JSON.stringify(name)}`,
      );
    }
    this.name = name as PolicyName;
  }

  /** 'bfloat16' under mixed_bfloat16 (whether or not this CPU then computes in it: see bfloat16Available()). */
  get computeDtype(): 'float32' | 'bfloat16' {
    return this.name === 'mixed_bfloat16' ? 'bfloat16' : 'float32';
  }

  get variableDtype(): 'float32' {
    return 'float32';
  }

  toString(): string {
    return `<Policy "${this.name}">`;
  }

  getConfig(): { name: PolicyName } {
    return { name: this.name };
  }
}

let global = new Policy('float32');

/** A policy from Keras's spellings: a Policy, its name, or { name } / { className: 'DTypePolicy', config: { name } }. */
function toPolicy(value: unknown, where: string): Policy {
  if (value instanceof Policy) return value;
  let name = value;
  if (value !== null && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    const config = v.config as Record<string, unknown> | undefined;
    name = 'name' in v ? v.name : config && typeof config === 'object' ? config.name : undefined;
  }
  if (typeof name !== 'string') {
    throw new Error(`${where}: expected a policy name ('float32' or 'mixed_bfloat16') or a Policy, received ${JSON.stringify(value) ?? String(value)}`);
  }
  return new Policy(name);
}

/**
 * Sets the policy that layers constructed from now on take when their `dtype` is not given (Keras's
 * set_global_policy); layers already constructed keep theirs. null restores 'float32'.
 */
export function setGlobalPolicy(policy: string | Policy | null): void {
  global = policy === null ? new Policy('float32') : toPolicy(policy, 'setGlobalPolicy');
  if (global.computeDtype === 'bfloat16') bfloat16Available();
}

/** The policy layers take by default. */
export function globalPolicy(): Policy {
  return global;
}

let checked: boolean | null = null;

/**
 * Whether bfloat16 products run here (AVX512_BF16 on the active ISA path). The first time the answer is no, a
 * warning says that mixed_bfloat16 computes in float32 on this CPU.
 */
export function bfloat16Available(): boolean {
  if (checked === null) {
    const info = native.backendInfo();
    checked = info.avx512Bf16;
    if (!checked) {
      const why = info.hardwareAvx512Bf16
        ? `TENSORNODE_MAX_ISA caps the kernels at ${info.isa}`
        : 'this CPU lacks AVX512_BF16 (vdpbf16ps)';
      process.emitWarning(
        `mixed_bfloat16 computes in float32 here: ${why}. Results are float32's; there is no speed-up.`,
        { code: 'TENSORNODE_NO_BF16' },
      );
    }
  }
  return checked;
}
