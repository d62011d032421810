// The per-ISA projects skip, with the reason, on a CPU that lacks their path (test/helpers/isa-setup.ts).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isaSkipReason } from './isa.js';

describe('which ISA projects this CPU can run', () => {
  it('runs a project at or below the hardware path and skips one above it, saying why', () => {
    expect(isaSkipReason('avx512', 'avx512')).toBeNull();
    expect(isaSkipReason('avx2', 'avx512')).toBeNull();
    expect(isaSkipReason('scalar', 'avx2')).toBeNull();
    expect(isaSkipReason(undefined, 'scalar')).toBeNull();
    expect(isaSkipReason('avx512', 'avx2')).toBe('skipped: this CPU has no avx512 (its best path is avx2), so the avx512 project would only repeat the avx2 path');
    expect(isaSkipReason('avx2', 'scalar')).toMatch(/no avx2 \(its best path is scalar\)/);
    expect(isaSkipReason('avx512', 'scalar')).toMatch(/no avx512/);
    expect(() => isaSkipReason('avx-512', 'avx2')).toThrow('TENSORNODE_MAX_ISA is "avx-512"; expected one of scalar, avx2, avx512');
  });

  it('a vitest run of the avx512 project on a CPU pretending to lack AVX-512 reports its tests as skipped, by name', () => {
    const run = spawnSync('npx', ['vitest', 'run', '--project', 'avx512', '--project', 'avx2', 'test/native/backend.test.ts', '--reporter=verbose'], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: { ...process.env, TENSORNODE_TEST_HARDWARE_ISA: 'avx2', NO_COLOR: '1', FORCE_COLOR: '0' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    const out = run.stdout + run.stderr;
    expect(run.status, out).toBe(0);
    expect(out).toMatch(/↓ +\|?avx512\|? +test\/native\/backend\.test\.ts > backend > runs the path .* \[avx512 project skipped: this CPU has no avx512 \(its best path is avx2\)/);
    // The avx2 project still runs.
    expect(out).toMatch(/✓ +\|?avx2\|? +test\/native\/backend\.test\.ts > backend > runs the path/);
  });
});
