import { defineConfig } from 'vitest/config';

// Kernel-level tests run once per SIMD path (TENSORNODE_MAX_ISA caps the path the addon picks; each test file runs in
// a fresh process, so the cap applies from the addon's first use). On a CPU without a project's path, the setup file
// reports that project's tests as skipped with the reason instead of running a lower path under its name.
const isaFiles = ['test/ops/**/*.test.ts', 'test/native/**/*.test.ts'];
const isas = ['avx512', 'avx2', 'scalar'];

export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
    projects: [
      ...isas.map((isa) => ({
        test: {
          name: isa,
          include: isaFiles,
          env: { TENSORNODE_MAX_ISA: isa },
          setupFiles: ['test/helpers/isa-setup.ts'],
          pool: 'forks' as const,
          testTimeout: 60_000,
        },
      })),
      {
        test: {
          name: 'library',
          include: ['test/**/*.test.ts'],
          exclude: isaFiles,
          pool: 'forks' as const,
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
