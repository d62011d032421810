// The fixed-seed fuzz run that is part of npm test (test/fuzz/README in the main README's "Hardening" note): a few
// thousand generated calls to every exported op, Tensor method, layer class and model entry point, each in a child
// process, with no crash, hang, out-of-memory, internal TypeError/RangeError or silent result allowed. A longer run:
// npm run fuzz -- --cases 100000 --seed 7.
import { describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { failures, runFuzz } from './harness.js';
import { allTargets, layerTargets, modelTargets, opTargets } from './targets.js';

describe('fuzz harness', () => {
  it('covers every exported op, every Tensor method that mirrors one, every layer class and the model entry points', () => {
    const names = new Set(allTargets().map((t) => t.name));
    const ops = Object.entries(tn).filter(([k, v]) => typeof v === 'function' && /^[a-z]/.test(k)).map(([k]) => k);
    // Entry points that take functions or configure the process rather than data: covered by their own tests.
    const elsewhere = new Set(['backendInfo', 'clearSession', 'memory', 'grad', 'grads', 'gradients', 'valueAndGrad', 'valueAndGrads', 'variableGrads', 'noGrad', 'input', 'model', 'sequential', 'isStringTensor', 'setNumThreads', 'loadLayersModel', 'isDeterministic', 'tidy', 'dispose', 'keep', 'ready', 'getBackend', 'setBackend', 'nextFrame', 'enableProdMode', 'disposeVariables', 'print', 'time', 'customGrad']);
    const missing = ops.filter((k) => !elsewhere.has(k) && !names.has(k));
    expect(missing).toEqual([]);
    expect(layerTargets().unbuilt).toEqual([]);
    expect(layerTargets().targets.length).toBeGreaterThan(70);
    expect(opTargets.length).toBeGreaterThan(90);
    expect(modelTargets.map((m) => m.name)).toEqual(expect.arrayContaining(['Model.fit', 'Model.predict', 'Model.evaluate', 'Model.compile', 'Model.save', 'loadModel']));
  });

  it('classifies a clean error, a silent result, an internal error, a crash, a hang and an out-of-memory', async () => {
    const report = await runFuzz({ seed: 1, cases: 6, timeoutMs: 20_000, memoryLimitMiB: 400, env: { TENSORNODE_FUZZ_SELFTEST: '1' } });
    const byTarget = new Map(report.results.map((r) => [r.target, r.outcome]));
    expect(Object.fromEntries(byTarget)).toEqual({
      'selftest.error': 'error',
      'selftest.silent': 'silent',
      'selftest.unclean': 'unclean',
      'selftest.crash': 'crash',
      'selftest.hang': 'hang',
      'selftest.oom': 'oom',
    });
    expect(report.results).toHaveLength(6);
    // A crash and a hang each end a child and the next case runs in a new one (the out-of-memory case is the last).
    expect(report.children).toBe(3);
  });

  it('a fixed-seed run of 3,000 cases finds no crash, hang, out-of-memory, internal error or silent result', async () => {
    const report = await runFuzz({ seed: 1, cases: 3000 });
    const bad = failures(report).map((r) => `case ${r.index} [${r.outcome}] ${r.target}: ${r.label}: ${r.message}`);
    expect(bad).toEqual([]);
    expect(report.results).toHaveLength(3000);
    // Most cases must reach the library's checks rather than all fail one way: both outcomes occur in bulk.
    expect(report.counts.error).toBeGreaterThan(1000);
    expect(report.counts.ok).toBeGreaterThan(300);
    expect(new Set(report.results.map((r) => r.target)).size).toBeGreaterThan(200);
  });
});
