// Importing tensornode leaves the process environment as it found it: libgomp's spin budget is set only while the
// addon (and libgomp with it) loads, and a user's own OpenMP settings are kept. Each case is a fresh process, since
// the addon loads once per process.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('./workers/import-env.mjs', import.meta.url));

function importWith(vars: Record<string, string>) {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.GOMP_SPINCOUNT;
  delete env.OMP_WAIT_POLICY;
  const run = spawnSync(process.execPath, [script], { env: { ...env, ...vars }, encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as {
    before: Record<string, string | null>; after: Record<string, string | null>; inChild: Record<string, string | null>; product: number;
  };
}

describe('importing tensornode and the OpenMP environment', () => {
  it('leaves GOMP_SPINCOUNT unset when it was unset, in the process and in the children it spawns', () => {
    const r = importWith({});
    expect(r.product).toBe(11);
    expect(r.before).toEqual({ GOMP_SPINCOUNT: null, OMP_WAIT_POLICY: null });
    expect(r.after).toEqual(r.before);
    expect(r.inChild).toEqual(r.before);
  });

  it('keeps a user\'s GOMP_SPINCOUNT and OMP_WAIT_POLICY as they were', () => {
    const settings: Record<string, string>[] = [{ GOMP_SPINCOUNT: '300000' }, { GOMP_SPINCOUNT: '0' }, { OMP_WAIT_POLICY: 'passive' }, { GOMP_SPINCOUNT: '1000', OMP_WAIT_POLICY: 'active' }];
    for (const vars of settings) {
      const r = importWith(vars);
      const expected = { GOMP_SPINCOUNT: null, OMP_WAIT_POLICY: null, ...vars };
      expect(r.product).toBe(11);
      expect(r.before).toEqual(expected);
      expect(r.after).toEqual(expected);
      expect(r.inChild).toEqual(expected);
    }
  });
});
