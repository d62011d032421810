// The loaders under random damage (test/helpers/load-fuzz.ts): thousands of byte flips, truncations, appended bytes
// and hostile numbers in valid files of each format. Every case loads or fails with an Error naming the folder; none
// crashes or hangs. A second pass runs in a child process, where a crash would show as the exit status.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { formats, fuzz } from '../helpers/load-fuzz.js';

const root = mkdtempSync(join(tmpdir(), 'tensornode-fuzz-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it(`${formats.length} formats x 600 damaged files: only clean Errors or successful loads`, async () => {
  const started = Date.now();
  const summary = await fuzz(join(root, 'in-process'), 20261204, 600);
  expect(summary.bad).toEqual([]);
  expect(summary.cases).toBe(formats.length * 600);
  // Both outcomes occur: the damage reaches the checks, and some damage (a flipped value bit in a JSON number that
  // still fits, trailing whitespace...) is harmless.
  expect(summary.refused).toBeGreaterThan(summary.cases / 2);
  expect(summary.loaded).toBeGreaterThan(0);
  expect(Date.now() - started).toBeLessThan(60_000);
}, 90_000);

it('a child process runs 200 cases per format and exits normally', () => {
  const child = spawnSync(process.execPath, [resolve(__dirname, '../workers/load-fuzz.mjs'), join(root, 'child'), '7', '200'], { encoding: 'utf8', timeout: 60_000 });
  expect(child.signal, child.stderr).toBeNull();
  expect(child.status, child.stderr).toBe(0);
  const summary = JSON.parse(child.stdout.trim().split('\n').pop()!) as { cases: number; bad: string[] };
  expect(summary.bad).toEqual([]);
  expect(summary.cases).toBe(formats.length * 200);
}, 90_000);
