// Datasets read from files: tn.data.csv, tn.utils.imageDatasetFromDirectory and textDatasetFromDirectory, with errors
// that name the file (and the row).
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { decode as decodePng } from 'fast-png';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { liveDecodeWorkers, resetDecodePools, startedDecodeWorkers } from '../../lib/data/decode-pool.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'tn-data-'));

describe('data.csv', () => {
  it('streams rows as objects, with labels split into { xs, ys } (TF.js)', async () => {
    const dir = tmp();
    const path = join(dir, 'iris.csv');
    writeFileSync(path, 'a,b,kind,label\n1,2.5,x,0\n3,-4,y,1\n\n5,6e2,z,2\n');
    const rows = await tn.data.csv(path).toArray();
    expect(rows).toEqual([{ a: 1, b: 2.5, kind: 'x', label: 0 }, { a: 3, b: -4, kind: 'y', label: 1 }, { a: 5, b: 600, kind: 'z', label: 2 }]);
    const labelled = await tn.data.csv(`file://${path}`, { columnConfigs: { label: { isLabel: true } }, configuredColumnsOnly: false }).toArray();
    expect(labelled[0]).toEqual({ xs: { a: 1, b: 2.5, kind: 'x' }, ys: { label: 0 } });
    const noHeader = join(dir, 'plain.tsv');
    writeFileSync(noHeader, '1\t2\n3\t4\n');
    expect(await tn.data.csv(noHeader, { hasHeader: false, columnNames: ['p', 'q'], delimiter: '\t' }).toArray()).toEqual([{ p: 1, q: 2 }, { p: 3, q: 4 }]);
    // A columnConfigs key that is not a column is refused with or without a header (TF.js), not ignored.
    await expect(tn.data.csv(noHeader, { hasHeader: false, columnNames: ['p', 'q'], delimiter: '\t', columnConfigs: { lbl: { isLabel: true } } }).toArray())
      .rejects.toThrow(/columnConfigs names the column 'lbl', which the file does not have \(its columns: p, q\)/);
    const spaced = join(dir, 'spaced.txt');
    writeFileSync(spaced, 'p q\n1   2\n 3 4\n');
    expect(await tn.data.csv(spaced, { delimWhitespace: true }).toArray()).toEqual([{ p: 1, q: 2 }, { p: 3, q: 4 }]);
  });

  it("columnNames() tells the file's columns, as TF.js's CSVDataset does (its Boston housing idiom: features = columns - 1)", async () => {
    const dir = tmp();
    const path = join(dir, 'houses.csv');
    writeFileSync(path, '\ufeffcrim, zn ,medv\n0.1,18,24\n');
    const ds = tn.data.csv(path, { columnConfigs: { medv: { isLabel: true } } });
    expect(ds).toBeInstanceOf(tn.data.CSVDataset);
    expect(await ds.columnNames()).toEqual(['crim', 'zn', 'medv']);
    expect((await ds.columnNames()).length - 1).toBe(2);
    expect(await tn.data.csv(path, { columnNames: ['a', 'b', 'c'] }).columnNames()).toEqual(['a', 'b', 'c']);
    expect(await tn.data.csv(path, { columnConfigs: { zn: {}, medv: { isLabel: true } }, configuredColumnsOnly: true }).columnNames()).toEqual(['zn', 'medv']);
    const plain = join(dir, 'plain.tsv');
    writeFileSync(plain, '1\t2\n');
    expect(await tn.data.csv(plain, { hasHeader: false, columnNames: ['p', 'q'], delimiter: '\t' }).columnNames()).toEqual(['p', 'q']);
    await expect(tn.data.csv(path, { columnNames: ['a', 'b'] }).columnNames()).rejects.toThrow(`data.csv: ${path}: columnNames has 2 names, but the header has 3 columns`);
    await expect(tn.data.csv(join(dir, 'missing.csv')).columnNames()).rejects.toThrow(`data.csv: no such file: ${join(dir, 'missing.csv')}`);
    // The rows are still all there after the header was read on its own.
    expect(await ds.toArray()).toEqual([{ xs: { crim: 0.1, zn: 18 }, ys: { medv: 24 } }]);
  });

  it('a bad row fails with the file, line and row; ignoreErrors skips it and counts it', async () => {
    const dir = tmp();
    const path = join(dir, 'bad.csv');
    writeFileSync(path, 'x,y\n1,2\n3\n4,five\n6,\n7,8\n');
    const config = { columnConfigs: { y: { dtype: 'float32' as const, isLabel: true } } };
    await expect(tn.data.csv(path, config).toArray()).rejects.toThrow(`data.csv: ${path}, line 3 (row 2): expected 2 fields (x, y), found 1`);
    const it = tn.data.csv(path, config)[Symbol.asyncIterator]();
    await it.next();
    const err = await it.next().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(tn.data.DataError);
    expect((err as tn.data.DataError).file).toBe(path);
    expect((err as tn.data.DataError).row).toBe(2);
    const ds = tn.data.csv(path, config).ignoreErrors();
    expect(await ds.toArray()).toEqual([{ xs: { x: 1 }, ys: { y: 2 } }, { xs: { x: 7 }, ys: { y: 8 } }]);
    expect(ds.errorsIgnored).toBe(3);
    await expect(tn.data.csv(path, { columnConfigs: { y: { dtype: 'float32' } } }).skip(2).toArray()).rejects.toThrow(/line 4 \(row 3\): column 'y' is a float32 column, but holds "five"/);
    await expect(tn.data.csv(path).skip(3).take(1).toArray()).rejects.toThrow(/line 5 \(row 4\): column 'y' is empty/);
    expect(await tn.data.csv(path, { columnConfigs: { y: { default: -1 } } }).ignoreErrors().toArray()).toContainEqual({ x: 6, y: -1 });
    await expect(tn.data.csv(join(dir, 'missing.csv')).toArray()).rejects.toThrow(`data.csv: no such file: ${join(dir, 'missing.csv')}`);
    await expect(tn.data.csv(path, { columnConfigs: { z: {} } }).toArray()).rejects.toThrow(/names the column 'z', which the file does not have \(its columns: x, y\)/);
  });

  it('trains a model through map and batch', async () => {
    const dir = tmp();
    const path = join(dir, 'lin.csv');
    const lines = ['u,v,t'];
    for (let i = 0; i < 40; i++) lines.push(`${i / 40},${(i % 7) / 7},${(2 * i) / 40 - (i % 7) / 7}`);
    writeFileSync(path, lines.join('\n'));
    tn.setSeed(1);
    const m = tn.sequential({ layers: [new tn.layers.Dense({ units: 1, inputShape: [2] })] });
    m.compile({ optimizer: tn.optimizers.adam({ learningRate: 0.1 }), loss: 'mse' });
    const ds = tn.data.csv(path, { columnConfigs: { t: { isLabel: true } } })
      .map(({ xs, ys }) => ({ xs: Object.values(xs), ys: Object.values(ys) }))
      .shuffle(40, { seed: 1 }).batch(8);
    const h = await m.fitDataset(ds, { epochs: 60, verbose: 0 });
    expect(h.history.loss[59]).toBeLessThan(0.01);
  });
});

describe('imageDatasetFromDirectory', () => {
  let dir: string;
  /** pixel value of image i of class c at (r, col), channel k */
  const value = (c: number, i: number, r: number, col: number, k: number) => (c * 60 + i * 10 + r * 4 + col * 2 + k * 3) % 256;
  const classes = ['cat', 'dog', 'emu'];
  const perClass = [3, 4, 2];

  beforeAll(async () => {
    dir = tmp();
    for (const [c, name] of classes.entries()) {
      mkdirSync(join(dir, name, 'nested'), { recursive: true });
      for (let i = 0; i < perClass[c]; i++) {
        const raw = Buffer.alloc(5 * 4 * 3);
        for (let r = 0; r < 5; r++) for (let col = 0; col < 4; col++) for (let k = 0; k < 3; k++) raw[(r * 4 + col) * 3 + k] = value(c, i, r, col, k);
        const file = join(dir, name, i === 0 ? 'nested' : '', `img${i}.png`);
        await sharp(raw, { raw: { width: 4, height: 5, channels: 3 } }).png().toFile(file);
      }
    }
    writeFileSync(join(dir, 'dog', 'notes.txt'), 'not an image');
    writeFileSync(join(dir, 'top-level.png'), 'ignored: not in a class folder');
  });

  it('finds one class per sorted sub-folder and decodes PNG pixels exactly (no shuffle)', async () => {
    const ds = await tn.utils.imageDatasetFromDirectory(dir, { imageSize: [5, 4], batchSize: 4, shuffle: false, verbose: false });
    expect(ds.classNames).toEqual(classes);
    expect(ds.filePaths.length).toBe(9);
    expect(ds.size).toBe(3);
    const batches = await ds.toArray();
    const images = batches.flatMap(([x]) => Array.from({ length: x.shape[0] }, (_, i) => Array.from(tn.slice(x, i, 1).data())));
    const labels = batches.flatMap(([, y]) => Array.from(y.data()));
    expect(batches[0][0].shape).toEqual([4, 5, 4, 3]);
    expect(batches[0][1].dtype).toBe('int32');
    expect(labels).toEqual([0, 0, 0, 1, 1, 1, 1, 2, 2]);
    // Files sorted within each class: nested/img0.png comes after img1.png, img2.png ('i' < 'n').
    const order = [[1, 2, 0], [1, 2, 3, 0], [1, 0]];
    let k = 0;
    for (const [c, files] of order.entries()) {
      for (const i of files) {
        const expected: number[] = [];
        for (let r = 0; r < 5; r++) for (let col = 0; col < 4; col++) for (let ch = 0; ch < 3; ch++) expected.push(value(c, i, r, col, ch));
        expect(images[k++]).toEqual(expected);
      }
    }
  });

  it('labelMode categorical, binary and null; colorMode grayscale and rgba; resizing; batchSize null', async () => {
    const cat = await tn.utils.imageDatasetFromDirectory(dir, { imageSize: [8, 8], labelMode: 'categorical', colorMode: 'grayscale', batchSize: 9, shuffle: false, verbose: false });
    const [[x, y]] = await cat.toArray();
    expect(x.shape).toEqual([9, 8, 8, 1]);
    expect(y.array()).toEqual([0, 0, 0, 1, 1, 1, 1, 2, 2].map((c) => [0, 1, 2].map((j) => (j === c ? 1 : 0))));
    const none = await tn.utils.imageDatasetFromDirectory(dir, { imageSize: [5, 4], labelMode: null, colorMode: 'rgba', batchSize: null, shuffle: false, verbose: false });
    const single = await none.toArray();
    expect(single.length).toBe(9);
    expect((single[0] as unknown as tn.Tensor).shape).toEqual([5, 4, 4]);
    expect(Array.from((single[0] as unknown as tn.Tensor).data()).filter((_, i) => i % 4 === 3).every((a) => a === 255)).toBe(true);
    const two = await tn.utils.imageDatasetFromDirectory(dir, { imageSize: [5, 4], labelMode: 'binary', classNames: ['emu', 'cat'], batchSize: 8, shuffle: false, verbose: false });
    const [[, yb]] = await two.toArray();
    expect(yb.shape).toEqual([5, 1]);
    expect(Array.from(yb.data())).toEqual([0, 0, 1, 1, 1]);
    await expect(tn.utils.imageDatasetFromDirectory(dir, { labelMode: 'binary', verbose: false })).rejects.toThrow(/labelMode 'binary' needs exactly 2 classes, found 3: cat, dog, emu/);
  });

  it('small PNGs stored as grayscale or RGBA decode to their exact pixels (the in-JavaScript path), others through sharp', async () => {
    const d = tmp();
    mkdirSync(join(d, 'a'));
    const gray = Buffer.from(Array.from({ length: 6 * 7 }, (_, i) => (i * 37) % 256));
    const rgba = Buffer.from(Array.from({ length: 6 * 7 * 4 }, (_, i) => (i * 11 + 5) % 256));
    await sharp(gray, { raw: { width: 7, height: 6, channels: 1 } }).toColourspace('b-w').png().toFile(join(d, 'a', 'g.png'));
    await sharp(rgba, { raw: { width: 7, height: 6, channels: 4 } }).png().toFile(join(d, 'a', 'h.png'));
    expect(decodePng(readFileSync(join(d, 'a', 'g.png'))).channels).toBe(1);
    expect(decodePng(readFileSync(join(d, 'a', 'h.png'))).channels).toBe(4);
    const g = await tn.utils.imageDatasetFromDirectory(d, { imageSize: [6, 7], colorMode: 'grayscale', labelMode: null, batchSize: null, shuffle: false, verbose: false });
    const [g0] = (await g.toArray()) as unknown as tn.Tensor[];
    expect(g0.shape).toEqual([6, 7, 1]);
    expect(Array.from(g0.data())).toEqual(Array.from(gray));
    const r = await tn.utils.imageDatasetFromDirectory(d, { imageSize: [6, 7], colorMode: 'rgba', labelMode: null, batchSize: null, shuffle: false, verbose: false });
    const [, r1] = (await r.toArray()) as unknown as tn.Tensor[];
    expect(Array.from(r1.data())).toEqual(Array.from(rgba));
    // The grayscale file asked for as RGB takes sharp's path, which repeats the gray value in every channel.
    const rgb = await tn.utils.imageDatasetFromDirectory(d, { imageSize: [6, 7], colorMode: 'rgb', labelMode: null, batchSize: null, shuffle: false, verbose: false });
    const [c0] = (await rgb.toArray()) as unknown as tn.Tensor[];
    expect(Array.from(c0.data())).toEqual(Array.from(gray).flatMap((v) => [v, v, v]));
  });

  it('validationSplit with a seed splits the shuffled files without overlap, and the same seed gives the same split', async () => {
    const opts = { imageSize: [5, 4] as [number, number], batchSize: 2, validationSplit: 0.34, seed: 42, verbose: false };
    const [train, val] = await tn.utils.imageDatasetFromDirectory(dir, { ...opts, subset: 'both' });
    expect(train.filePaths.length).toBe(6);
    expect(val.filePaths.length).toBe(3);
    expect(new Set([...train.filePaths, ...val.filePaths]).size).toBe(9);
    const again = await tn.utils.imageDatasetFromDirectory(dir, { ...opts, subset: 'validation' });
    expect(again.filePaths).toEqual(val.filePaths);
    const trainAgain = await tn.utils.imageDatasetFromDirectory(dir, { ...opts, subset: 'training' });
    expect(trainAgain.filePaths).toEqual(train.filePaths);
    // Each epoch of the training set is a permutation of its files, reshuffled, and repeats with the seed.
    const epoch = async (ds: typeof train) => (await ds.toArray()).flatMap(([x]) => Array.from({ length: x.shape[0] }, (_, i) => tn.slice(x, i, 1).data()[0]));
    const e1 = await epoch(train);
    const e2 = await epoch(train);
    expect([...e1].sort()).toEqual([...e2].sort());
    expect(await epoch(trainAgain)).toEqual(e1);
    await expect(tn.utils.imageDatasetFromDirectory(dir, { validationSplit: 0.2, subset: 'training', verbose: false })).rejects.toThrow(/you must give a seed/);
    await expect(tn.utils.imageDatasetFromDirectory(dir, { validationSplit: 0.2, verbose: false, seed: 1 })).rejects.toThrow(/subset must be/);
  });

  it('a corrupt image fails with its path; ignoreErrors skips it', async () => {
    const bad = tmp();
    mkdirSync(join(bad, 'a'));
    mkdirSync(join(bad, 'b'));
    await sharp(Buffer.alloc(4 * 4 * 3, 100), { raw: { width: 4, height: 4, channels: 3 } }).png().toFile(join(bad, 'a', 'good.png'));
    await sharp(Buffer.alloc(4 * 4 * 3, 200), { raw: { width: 4, height: 4, channels: 3 } }).jpeg().toFile(join(bad, 'b', 'good.jpg'));
    writeFileSync(join(bad, 'b', 'broken.png'), Buffer.from('\x89PNG\r\n\x1a\n this is not a png'));
    const ds = await tn.utils.imageDatasetFromDirectory(bad, { imageSize: [4, 4], batchSize: null, shuffle: false, verbose: false });
    await expect(ds.toArray()).rejects.toThrow(`imageDatasetFromDirectory: cannot decode ${join(bad, 'b', 'broken.png')}`);
    const skipping = ds.ignoreErrors();
    const kept = await skipping.toArray();
    expect(kept.map(([, y]) => y.item())).toEqual([0, 1]);
    expect(skipping.errorsIgnored).toBe(1);
    await expect(tn.utils.imageDatasetFromDirectory(join(bad, 'nothing'), { verbose: false })).rejects.toThrow(/cannot read the directory .*nothing/);
    const empty = tmp();
    mkdirSync(join(empty, 'a'));
    await expect(tn.utils.imageDatasetFromDirectory(empty, { verbose: false })).rejects.toThrow(/no files found in/);
  });
});

describe('imageDatasetFromDirectory on decode workers', () => {
  let dir: string;
  /** Digits-like folder: 28x28 grayscale PNGs in 3 classes, one RGB PNG and one JPEG (both decoded by sharp). */
  beforeAll(async () => {
    dir = tmp();
    for (const c of ['a', 'b', 'c']) mkdirSync(join(dir, c));
    for (let i = 0; i < 45; i++) {
      const raw = Buffer.from(Array.from({ length: 28 * 28 }, (_, p) => (i * 31 + p * 7 + (p >> 5)) % 256));
      await sharp(raw, { raw: { width: 28, height: 28, channels: 1 } }).toColourspace('b-w').png().toFile(join(dir, 'abc'[i % 3], `d${i}.png`));
    }
    await sharp(Buffer.alloc(28 * 28 * 3, 90), { raw: { width: 28, height: 28, channels: 3 } }).png().toFile(join(dir, 'b', 'rgb.png'));
    await sharp(Buffer.alloc(30 * 20 * 3, 180), { raw: { width: 20, height: 30, channels: 3 } }).jpeg().toFile(join(dir, 'c', 'photo.jpg'));
  });
  const opts = { imageSize: [28, 28] as [number, number], colorMode: 'grayscale' as const, seed: 5, verbose: false };
  const values = (ts: tn.Tensor[]) => ts.map((t) => ({ shape: t.shape, dtype: t.dtype, data: Array.from(t.data()) }));

  it('gives exactly the tensors of decoding on the main thread, in the same seeded order, epoch after epoch', async () => {
    for (const batchSize of [8, null]) {
      const onWorkers = await tn.utils.imageDatasetFromDirectory(dir, { ...opts, batchSize, decodeWorkers: 2 });
      const inThread = await tn.utils.imageDatasetFromDirectory(dir, { ...opts, batchSize, decodeWorkers: 0 });
      expect(onWorkers.size).toBe(batchSize ? 6 : 47);
      for (let epoch = 0; epoch < 2; epoch++) {
        const a = (await onWorkers.toArray()) as unknown as tn.Tensor[][];
        const b = (await inThread.toArray()) as unknown as tn.Tensor[][];
        expect(a.length).toBe(batchSize ? 6 : 47);
        expect(a.map(values)).toEqual(b.map(values));
        if (batchSize) {
          expect(a[0][0].shape).toEqual([8, 28, 28, 1]);
          expect(a[5][0].shape).toEqual([7, 28, 28, 1]);
          expect(a[0][1].dtype).toBe('int32');
        }
      }
    }
    // The pixels are the files' own, whichever decoder ran: digit i of the folder, and sharp's RGB file as gray.
    const unshuffled = await tn.utils.imageDatasetFromDirectory(dir, { ...opts, batchSize: null, shuffle: false, labelMode: 'categorical' });
    const elements = (await unshuffled.toArray()) as unknown as [tn.Tensor, tn.Tensor][];
    const index = unshuffled.filePaths.findIndex((f) => f.endsWith(join('a', 'd3.png')));
    expect(Array.from(elements[index][0].data())).toEqual(Array.from(decodePng(readFileSync(unshuffled.filePaths[index])).data));
    expect(Array.from(elements[index][1].data())).toEqual([1, 0, 0]);
    const rgb = unshuffled.filePaths.findIndex((f) => f.endsWith('rgb.png'));
    expect(new Set(elements[rgb][0].data()).size).toBe(1);
  });

  it('starts the workers with the first iteration, keeps them for the next ones, and stops them once idle', async () => {
    resetDecodePools(300);
    const ds = await tn.utils.imageDatasetFromDirectory(dir, { ...opts, batchSize: 4, decodeWorkers: 2 });
    expect(liveDecodeWorkers()).toBe(0);
    const before = startedDecodeWorkers();
    let seen = 0;
    for await (const [x] of ds) {
      expect(liveDecodeWorkers()).toBe(2);
      seen += x.shape[0];
      if (seen >= 8) break;
    }
    // Stopped early, then a whole epoch and a second dataset: the same two workers serve them all.
    expect((await ds.toArray()).length).toBeGreaterThan(2);
    const again = await tn.utils.imageDatasetFromDirectory(dir, { ...opts, batchSize: 4, decodeWorkers: 2, seed: 9 });
    await again.toArray();
    expect(startedDecodeWorkers() - before).toBe(2);
    expect(liveDecodeWorkers()).toBe(2);
    await new Promise((r) => setTimeout(r, 900));
    expect(liveDecodeWorkers()).toBe(0);
    // After they stopped, the next iteration starts new ones, and gives the same batches as decoding in-thread.
    const onWorkers = await tn.utils.imageDatasetFromDirectory(dir, { ...opts, batchSize: 4, decodeWorkers: 2, seed: 9 });
    const inThread = await tn.utils.imageDatasetFromDirectory(dir, { ...opts, batchSize: 4, decodeWorkers: 0, seed: 9 });
    const [a, b] = [await onWorkers.toArray(), await inThread.toArray()];
    expect(startedDecodeWorkers() - before).toBe(4);
    expect(a.map(([x]) => Array.from(x.data()))).toEqual(b.map(([x]) => Array.from(x.data())));
    // Images larger than the PNG reader's size go to sharp only: no worker is started.
    resetDecodePools();
    const large = await tn.utils.imageDatasetFromDirectory(dir, { ...opts, imageSize: [80, 80], batchSize: 4, decodeWorkers: 2 });
    const it = await large.iterator();
    expect(((await it.next()).value as tn.Tensor[])[0].shape).toEqual([4, 80, 80, 1]);
    expect(liveDecodeWorkers()).toBe(0);
    await it.return?.();
    await expect(tn.utils.imageDatasetFromDirectory(dir, { ...opts, decodeWorkers: -1 })).rejects.toThrow('imageDatasetFromDirectory: decodeWorkers must be an integer >= 0, received -1');
  });

  it('a dropped iterator does not keep the process alive, and stopping one early does not end the program', async () => {
    const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
    const script = fileURLToPath(new URL('../workers/abandoned-decode.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(tsx, [script, dir], { timeout: 120_000 });
    expect(JSON.parse(stdout.trim())).toEqual({ early: 2, shape: [4, 28, 28, 1], live: 1 });
  });

  it('a file that does not decode fails with its path, its batch with it; ignoreErrors counts it', async () => {
    const bad = tmp();
    mkdirSync(join(bad, 'x'));
    for (let i = 0; i < 10; i++) await sharp(Buffer.alloc(28 * 28, i * 20), { raw: { width: 28, height: 28, channels: 1 } }).toColourspace('b-w').png().toFile(join(bad, 'x', `g${i}.png`));
    const broken = join(bad, 'x', 'g4-broken.png');
    writeFileSync(broken, Buffer.from('\x89PNG\r\n\x1a\n this is not a png'));
    const single = await tn.utils.imageDatasetFromDirectory(bad, { ...opts, batchSize: null, shuffle: false, decodeWorkers: 1 });
    await expect(single.toArray()).rejects.toThrow(`imageDatasetFromDirectory: cannot decode ${broken}`);
    const skipping = single.ignoreErrors();
    expect((await skipping.toArray()).map(([x]) => x.data()[0])).toEqual([0, 20, 40, 60, 80, 100, 120, 140, 160, 180]);
    expect(skipping.errorsIgnored).toBe(1);
    expect(skipping.lastError?.message).toContain(broken);
    // Batched, the batch holding it is the one that fails (g4-broken sorts fifth: the second batch of 4).
    const batched = (await tn.utils.imageDatasetFromDirectory(bad, { ...opts, batchSize: 4, shuffle: false, decodeWorkers: 1 })).ignoreErrors();
    expect((await batched.toArray()).map(([x]) => x.shape[0])).toEqual([4, 3]);
    expect(batched.errorsIgnored).toBe(1);
  });
});

describe('textDatasetFromDirectory', () => {
  it('reads .txt files per class as string batches', async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'neg'));
    mkdirSync(join(dir, 'pos'));
    writeFileSync(join(dir, 'neg', '1.txt'), 'awful film');
    writeFileSync(join(dir, 'pos', '1.txt'), 'great film');
    writeFileSync(join(dir, 'pos', '2.txt'), 'loved it, truly');
    writeFileSync(join(dir, 'pos', 'skip.md'), 'not text data');
    const ds = await tn.utils.textDatasetFromDirectory(dir, { batchSize: 8, shuffle: false, maxLength: 10, verbose: false });
    const [[texts, labels]] = await ds.toArray();
    expect(ds.classNames).toEqual(['neg', 'pos']);
    expect(tn.isStringTensor(texts)).toBe(true);
    expect(texts.array()).toEqual(['awful film', 'great film', 'loved it, ']);
    expect(Array.from(labels.data())).toEqual([0, 1, 1]);
  });
});

describe('utils.timeseriesDatasetFromArray (Keras 3)', () => {
  it('gives the windows and targets of Keras\'s examples, batched, with stride, sampling rate, bounds and a seeded shuffle', async () => {
    const data = Array.from({ length: 10 }, (_, i) => i);
    // keras.io: sequence_length=5, sampling_rate=2 gives [0 2 4 6 8] and [1 3 5 7 9].
    const [both] = (await tn.utils.timeseriesDatasetFromArray(data, null, { sequenceLength: 5, samplingRate: 2 }).toArray()) as tn.Tensor[];
    expect(both.array()).toEqual([[0, 2, 4, 6, 8], [1, 3, 5, 7, 9]]);
    // keras.io: targets = data[sequence_length:] forecasts the next step; windows stop with the targets.
    const hundred = Array.from({ length: 100 }, (_, i) => i);
    const ds = tn.utils.timeseriesDatasetFromArray(hundred, hundred.slice(10), { sequenceLength: 10, batchSize: 32 });
    const batches = (await ds.toArray()) as [tn.Tensor, tn.Tensor][];
    expect(ds.size).toBe(3);
    expect(batches.map(([x]) => x.shape)).toEqual([[32, 10], [32, 10], [26, 10]]);
    expect((batches[0][0].array() as number[][])[0]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(batches[0][1].data()).slice(0, 3)).toEqual([10, 11, 12]);
    // Features per step, a stride and bounds; unbatched.
    const rows = tn.tensor(Array.from({ length: 12 }, (_, i) => [i, -i]));
    const w = (await tn.utils.timeseriesDatasetFromArray(rows, null, { sequenceLength: 3, sequenceStride: 4, startIndex: 1, endIndex: 11, batchSize: null }).toArray()) as tn.Tensor[];
    expect(w.map((t) => (t.array() as number[][]).map((r) => r[0]))).toEqual([[1, 2, 3], [5, 6, 7]]);
    expect(w[0].shape).toEqual([3, 2]);
    // Shuffled with a seed: every window once, in a seeded order that changes from one iteration to the next.
    const shuffled = tn.utils.timeseriesDatasetFromArray(hundred, null, { sequenceLength: 2, batchSize: 200, shuffle: true, seed: 3 });
    const first = Array.from(((await shuffled.toArray())[0] as tn.Tensor).data()).filter((_, i) => i % 2 === 0);
    const second = Array.from(((await shuffled.toArray())[0] as tn.Tensor).data()).filter((_, i) => i % 2 === 0);
    expect([...first].sort((a, b) => a - b)).toEqual(Array.from({ length: 99 }, (_, i) => i));
    expect(first).not.toEqual(second);
    const again = tn.utils.timeseriesDatasetFromArray(hundred, null, { sequenceLength: 2, batchSize: 200, shuffle: true, seed: 3 });
    expect(Array.from(((await again.toArray())[0] as tn.Tensor).data()).filter((_, i) => i % 2 === 0)).toEqual(first);
    expect(() => tn.utils.timeseriesDatasetFromArray(hundred, null, { sequenceLength: 0 })).toThrow(/sequenceLength must be an integer >= 1, received 0/);
    expect(() => tn.utils.timeseriesDatasetFromArray(hundred, null, { sequenceLength: 2, stride: 2 } as never)).toThrow(/unrecognized option "stride"/);
  });

  it('trains an LSTM forecaster through fit', async () => {
    const series = Array.from({ length: 400 }, (_, i) => [Math.sin(i / 8)]);
    const targets = series.slice(12).map((r) => r[0]);
    const ds = tn.utils.timeseriesDatasetFromArray(series, targets, { sequenceLength: 12, batchSize: 32, shuffle: true, seed: 1 });
    tn.setSeed(2);
    const model = new tn.Sequential([new tn.layers.LSTM(16, { inputShape: [12, 1] }), new tn.layers.Dense(1)]);
    model.compile({ optimizer: new tn.optimizers.Adam({ learningRate: 0.01 }), loss: 'mse' });
    const h = await model.fit(ds, { epochs: 8, verbose: 0 });
    const loss = h.history.loss as number[];
    expect(loss[loss.length - 1]).toBeLessThan(0.01);
    expect(loss[loss.length - 1]).toBeLessThan(loss[0] / 5);
  });
});
