// Which SIMD path a test project can test on this machine. vitest.config.ts runs the kernel tests once per path
// (projects avx512, avx2, scalar through TENSORNODE_MAX_ISA); the addon caps its path at TENSORNODE_MAX_ISA but never
// goes above what the CPU has, so on a CPU without AVX-512 the avx512 project would silently run the AVX2 path
// again. test/helpers/isa-setup.ts uses the decision below to report those tests as skipped, with the reason.

export const isaOrder = ['scalar', 'avx2', 'avx512'] as const;
export type IsaName = (typeof isaOrder)[number];

function rank(isa: string, what: string): number {
  const k = isaOrder.indexOf(isa as IsaName);
  if (k < 0) throw new Error(`${what} is ${JSON.stringify(isa)}; expected one of ${isaOrder.join(', ')}`);
  return k;
}

/**
 * Null when a project capped at `requested` runs that path on hardware whose best path is `hardware`; otherwise the
 * reason its tests are skipped. No cap (the library project) never skips.
 */
export function isaSkipReason(requested: string | undefined, hardware: string): string | null {
  if (requested === undefined || requested === '') return null;
  if (rank(requested, 'TENSORNODE_MAX_ISA') <= rank(hardware, 'the hardware path')) return null;
  return `skipped: this CPU has no ${requested} (its best path is ${hardware}), so the ${requested} project would only repeat the ${hardware} path`;
}
