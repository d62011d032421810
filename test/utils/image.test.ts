// tn.utils.normalize, loadImg, imgToArray, arrayToImg and saveImg against references from the libraries Keras runs on
// (fixtures/utils-image.py): PyTorch's vector norms for normalize, and PIL's pixels (Pillow's convert and resize, as
// Keras's load_img calls them) for every colour mode, filter, target size and keepAspectRatio; files round-trip
// through sharp; errors name the function and what was wrong.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tn from '../../lib/index.js';
import { expectClose, fixture, toTensor, type GoldenTensor } from '../helpers/golden.js';
import { gradCheck } from '../helpers/gradcheck.js';

const U = tn.utils;
interface Fixture {
  normalize: { x: GoldenTensor; axis: number; order: number | 'Infinity'; y: GoldenTensor }[];
  images: { name: string; height: number; width: number; channels: 1 | 3 | 4; data: number[] }[];
  loads: { image: string; colorMode: 'rgb' | 'rgba' | 'grayscale'; targetSize: [number, number] | null; interpolation: tn.utils.Interpolation; keepAspectRatio: boolean; shape: number[]; data: number[] }[];
  arrayToImg: { x: GoldenTensor; scale: boolean; data: number[] }[];
}
const ref = fixture<Fixture>('utils-image.json');

describe('normalize', () => {
  for (const c of ref.normalize) {
    it(`order ${c.order} along axis ${c.axis} of [${c.x.shape}]`, () => {
      const order = c.order === 'Infinity' ? Infinity : c.order;
      expectClose(U.normalize(toTensor(c.x), c.axis, order), c.y, 1e-5, 1e-6);
      // Finite differences where the norm is smooth: no zero entries (|x| has a kink there) and a unique maximum.
      if (order !== Infinity && !c.x.data.includes(0)) gradCheck((x: tn.Tensor) => U.normalize(x, c.axis, order), [toTensor(c.x)]);
    });
  }
  it('defaults to the Euclidean norm along the last axis; rejects a bad axis or order', () => {
    expectClose(U.normalize([[3, 4], [0, 0]]), [0.6, 0.8, 0, 0], 1e-6, 1e-7);
    expect(() => U.normalize([[1, 2]], 2)).toThrow(/normalize: axis must be an integer from -2 to 1 for an array of shape \[1,2\], received axis=2/);
    expect(() => U.normalize([[1, 2]], null as never)).toThrow(/normalize: axis must be an integer/);
    expect(() => U.normalize([[1, 2]], -1, 0)).toThrow(/normalize: order must be a positive number \(or Infinity\), received order=0/);
  });
});

describe('loadImg and imgToArray', () => {
  const root = mkdtempSync(join(tmpdir(), 'tensornode-image-'));
  const files: Record<string, string> = {};
  beforeAll(async () => {
    for (const im of ref.images) {
      files[im.name] = join(root, `${im.name}.png`);
      await sharp(Uint8Array.from(im.data), { raw: { width: im.width, height: im.height, channels: im.channels } }).png().toFile(files[im.name]);
    }
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("give PIL's pixels for every colour mode, size, filter and keepAspectRatio", async () => {
    let checked = 0;
    for (const c of ref.loads) {
      const what = `${c.image} as ${c.colorMode}, ${JSON.stringify(c.targetSize)} ${c.interpolation}${c.keepAspectRatio ? ' keeping the aspect ratio' : ''}`;
      const img = await U.loadImg(files[c.image], { colorMode: c.colorMode, targetSize: c.targetSize, interpolation: c.interpolation, keepAspectRatio: c.keepAspectRatio });
      const channels = c.shape.length === 2 ? 1 : c.shape[2];
      expect([img.height, img.width, img.channels], what).toEqual([c.shape[0], c.shape[1], channels]);
      expect(Array.from(img.data), what).toEqual(c.data);
      checked++;
    }
    expect(checked).toBe(ref.loads.length);
  });

  it('imgToArray: float32 [height, width, channels] or channels first; the bytes of an encoded file load too', async () => {
    const img = await U.loadImg(readFileSync(files.rgb), { targetSize: [6, 7], interpolation: 'bilinear' });
    const c = ref.loads.find((l) => l.image === 'rgb' && l.colorMode === 'rgb' && l.interpolation === 'bilinear' && l.targetSize?.[0] === 6 && !l.keepAspectRatio)!;
    const x = U.imgToArray(img);
    expect(x.shape).toEqual([6, 7, 3]);
    expect(x.dtype).toBe('float32');
    expect(Array.from(x.dataSync())).toEqual(c.data);
    const first = U.imgToArray(img, { dataFormat: 'channels_first', dtype: 'int32' });
    expect(first.shape).toEqual([3, 6, 7]);
    expect(first.dtype).toBe('int32');
    expect(Array.from(tn.transpose(first, [1, 2, 0]).dataSync())).toEqual(c.data);
    const grey = U.imgToArray(await U.loadImg(files.grey, { colorMode: 'grayscale' }));
    expect(grey.shape).toEqual([13, 17, 1]);
  });

  it('reject bad options and files, naming the function', async () => {
    await expect(U.loadImg(files.rgb, { colorMode: 'hsv' as never })).rejects.toThrow(/loadImg: colorMode must be 'grayscale', 'rgb' or 'rgba', received "hsv"/);
    await expect(U.loadImg(files.rgb, { interpolation: 'area' as never })).rejects.toThrow(/loadImg: invalid interpolation method "area"; supported methods are nearest, box, bilinear, hamming, bicubic, lanczos/);
    await expect(U.loadImg(files.rgb, { targetSize: [0, 4] })).rejects.toThrow(/loadImg: targetSize must be \[height, width\] with positive integers, received \[0,4\]/);
    await expect(U.loadImg(files.rgb, { target_size: [2, 2] } as never)).rejects.toThrow(/target_size/);
    await expect(U.loadImg(join(root, 'missing.png'))).rejects.toThrow(/loadImg: cannot decode .*missing\.png/);
    expect(() => U.imgToArray({ width: 2 } as never)).toThrow(/imgToArray: expected an image from loadImg or arrayToImg/);
  });
});

describe('arrayToImg and saveImg', () => {
  const root = mkdtempSync(join(tmpdir(), 'tensornode-image-save-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  for (const c of ref.arrayToImg) {
    it(`[${c.x.shape}] with scale ${c.scale}: PIL's pixels from Keras's array_to_img`, () => {
      const img = U.arrayToImg(toTensor(c.x), { scale: c.scale });
      expect(Array.from(img.data)).toEqual(c.data);
      expect([img.height, img.width, img.channels]).toEqual(c.x.shape);
    });
  }

  it('channels first; a constant array scales to zeros; bad arrays are refused', () => {
    const x = tn.tensor(Array.from({ length: 24 }, (_, i) => i * 10), [2, 4, 3]);
    const last = U.arrayToImg(x, { scale: false });
    const first = U.arrayToImg(tn.transpose(x, [2, 0, 1]), { scale: false, dataFormat: 'channels_first' });
    expect(first).toEqual(last);
    expect(Array.from(U.arrayToImg(tn.fill([2, 2, 1], 7)).data)).toEqual([0, 0, 0, 0]);
    expect(() => U.arrayToImg(tn.zeros([4, 4]))).toThrow(/arrayToImg: expected an image array of rank 3 \(a single image\), received shape \[4,4\]/);
    expect(() => U.arrayToImg(tn.zeros([4, 4, 2]))).toThrow(/arrayToImg: unsupported number of channels 2 in shape \[4,4,2\]; expected 1, 3 or 4/);
    expect(() => U.arrayToImg(tn.fill([1, 1, 3], 300), { scale: false })).toThrow(/arrayToImg: value 300 at pixel 0, channel 0 is outside \[0, 256\)/);
  });

  it('saveImg writes what loadImg reads back (PNG exactly; JPEG drops alpha), in the format of the extension or fileFormat', async () => {
    const x = tn.tensor(Array.from({ length: 5 * 6 * 4 }, (_, i) => (i * 37) % 256), [5, 6, 4]);
    const png = join(root, 'a.png');
    await U.saveImg(png, x, { scale: false });
    const back = await U.loadImg(png, { colorMode: 'rgba' });
    expect(Array.from(back.data)).toEqual(Array.from(x.dataSync()));
    const img = U.arrayToImg(x, { scale: false });
    const other = join(root, 'b.out');
    await U.saveImg(other, img, { fileFormat: 'png' });
    expect(Array.from((await U.loadImg(other, { colorMode: 'rgba' })).data)).toEqual(Array.from(img.data));
    const jpg = join(root, 'c.jpg');
    await U.saveImg(jpg, x, { scale: false, quality: 95 });
    const meta = await sharp(jpg).metadata();
    expect([meta.format, meta.channels, meta.width, meta.height]).toEqual(['jpeg', 3, 6, 5]);
    await expect(U.saveImg(join(root, 'd'), x)).rejects.toThrow(/saveImg: cannot tell the file format of ".*d"; pass fileFormat/);
  });
});
