// examples/watch-training in a shortened form: the run writes its event files and both pictures.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { watchTraining } from '../../examples/watch-training.js';
import { readRecords } from '../../lib/io/tfrecord.js';

vi.mock('tensornode', () => import('../../lib/index.js'));

const root = mkdtempSync(join(tmpdir(), 'tensornode-watch-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('examples/watch-training', () => {
  it('trains with TensorBoard and draws the model and the curves', async () => {
    const outDir = join(root, 'images');
    const logDir = join(root, 'logs');
    const r = await watchTraining({ epochs: 2, trainSamples: 1000, outDir, logDir, verbose: 0 });
    expect(r.history.history.val_accuracy[1]).toBeGreaterThan(0.5);
    expect(readdirSync(logDir).sort()).toEqual(['train', 'validation']);
    // file_version, the graph, per epoch 3 scalars (loss, accuracy, learning rate) and 4 histograms, and the 2 batch
    // scalars of batch 25 (16 batches an epoch).
    expect(readRecords(readFileSync(r.tensorBoard.files.train!)).length).toBe(2 + 2 * 7 + 2);
    for (const file of [r.model, r.curves]) {
      const meta = await sharp(file).metadata();
      expect(meta.format).toBe('png');
      expect(meta.width).toBeGreaterThan(200);
    }
  });
});
