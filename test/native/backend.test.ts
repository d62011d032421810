import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';

describe('backend', () => {
  it('runs the path TENSORNODE_MAX_ISA allows, never above the hardware', () => {
    const info = tn.backendInfo();
    const order = ['scalar', 'avx2', 'avx512'];
    const cap = process.env.TENSORNODE_MAX_ISA ?? 'avx512';
    const expected = order[Math.min(order.indexOf(cap), order.indexOf(info.hardwareIsa))];
    expect(info.isa).toBe(expected);
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
  });
});
