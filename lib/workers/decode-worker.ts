// A decode worker of imageDatasetFromDirectory (lib/data/decode-pool.ts starts it with startWorker('decode-worker')):
// reads and decodes a whole chunk of small PNGs per message, into one float32 buffer that is transferred back, so the
// per-message cost is paid once per batch, not per 28x28 image. It imports no tensors (nor the addon): only the PNG
// reader and node:zlib.
import { readFileSync } from 'node:fs';
import { parentPort, type MessagePort } from 'node:worker_threads';
import { decodeSmallPng, isPng } from '../data/png.js';

export interface DecodeRequest {
  id: number;
  paths: string[];
  height: number;
  width: number;
  channels: number;
}

export interface DecodeReply {
  id: number;
  /** paths.length images of height * width * channels values, in order. */
  pixels: Float32Array;
  /** The indexes of the paths not decoded here (not a small PNG of that size and channels, or unreadable), for sharp. */
  fallback: number[];
}

const port = parentPort as MessagePort;

port.on('message', ({ id, paths, height, width, channels }: DecodeRequest) => {
  const size = height * width * channels;
  const pixels = new Float32Array(paths.length * size);
  const fallback: number[] = [];
  for (let i = 0; i < paths.length; i++) {
    let decoded = false;
    if (isPng(paths[i])) {
      try {
        decoded = decodeSmallPng(readFileSync(paths[i]), height, width, channels, pixels, i * size);
      } catch {
        // Unreadable: sharp tries it on the main thread and reports the error with the file's name.
      }
    }
    if (!decoded) fallback.push(i);
  }
  const reply: DecodeReply = { id, pixels, fallback };
  port.postMessage(reply, [pixels.buffer]);
});
