"""PyTorch's side of the MNIST CNN benchmark: the same model, initialisation and optimizer, run the way PyTorch's
expert users run a small CNN on CPU (data in memory, index batches, no DataLoader workers).

The driver sets the environment: 2 OpenMP threads, OpenBLAS single-threaded (its own threads would fight OpenMP's),
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (this machine's defaults slow a current OpenBLAS) and tcmalloc
preloaded. Speaks JSON lines with the driver: one command per line on stdin, one reply per line on stdout.
"""
import ctypes
import json
import os
import resource
import sys
import time
import traceback

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

protocol = sys.stdout
sys.stdout = sys.stderr  # nothing but replies may reach the driver's pipe

FORMATS = {'NCHW': torch.contiguous_format, 'channels_last': torch.channels_last}


def send(message):
    protocol.write(json.dumps(message) + '\n')
    protocol.flush()


def memory():
    with open('/proc/self/statm') as f:
        rss_pages = int(f.read().split()[1])
    return {
        'rss': rss_pages * os.sysconf('SC_PAGE_SIZE'),
        'maxRss': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


def blas_config():
    for name in ('libopenblas.so.0', 'libblas.so.3'):
        try:
            lib = ctypes.CDLL(name, mode=os.RTLD_NOLOAD | os.RTLD_GLOBAL)
            core = lib.openblas_get_corename
            core.restype = ctypes.c_char_p
            return 'OpenBLAS core ' + core().decode()
        except (OSError, AttributeError):
            continue
    return 'BLAS of unknown kind'


def reference_model():
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(32 * 13 * 13, 128), nn.ReLU(), nn.Linear(128, 10),
    )
    # Keras's defaults, so that both sides start from the same distribution: glorot-uniform kernels, zero biases.
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    return model


class Run:
    def __init__(self, meta):
        pixels = meta['height'] * meta['width']
        n, t = meta['trainCount'], meta['testCount']
        raw = np.fromfile(meta['path'], dtype=np.uint8)
        offsets = np.cumsum([0, n * pixels * 4, n * 4, t * pixels * 4, t * 4])
        view = lambda i, dt: raw[offsets[i]:offsets[i + 1]].view(dt)
        shape = (-1, 1, meta['height'], meta['width'])
        self.x = torch.from_numpy(view(0, np.float32).reshape(shape))
        self.y = torch.from_numpy(view(1, np.int32).astype(np.int64))
        self.test_x = torch.from_numpy(view(2, np.float32).reshape(shape))
        self.test_y = torch.from_numpy(view(3, np.int32).astype(np.int64))
        self.model = None
        self.formats = {}

    def train_epoch(self, model, opt, x, batch_size, limit=None, before_batch=None):
        n = x.shape[0] if limit is None else min(limit, x.shape[0])
        order = torch.randperm(x.shape[0])[:n]
        model.train()
        total_loss = torch.zeros(())
        correct = torch.zeros((), dtype=torch.int64)
        for start in range(0, n, batch_size):
            if before_batch is not None:
                before_batch()
            idx = order[start:start + batch_size]
            xb, yb = x[idx], self.y[idx]
            opt.zero_grad(set_to_none=True)
            out = model(xb)
            loss = F.cross_entropy(out, yb)
            loss.backward()
            opt.step()
            with torch.no_grad():
                total_loss += loss.detach() * len(idx)
                correct += (out.argmax(1) == yb).sum()
        return total_loss.item() / n, correct.item() / n

    def predict(self, model, x, batch_size):
        model.eval()
        with torch.inference_mode():
            for start in range(0, x.shape[0], batch_size):
                F.softmax(model(x[start:start + batch_size]), dim=1)

    def setup(self, fmt):
        model = reference_model().to(memory_format=FORMATS[fmt])
        opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
        return model, opt, self.x.contiguous(memory_format=FORMATS[fmt])

    def choose_format(self, what, batch_size, rounds=3):
        """Times both memory formats alternately on throwaway models and keeps the faster (by median)."""
        times = {f: [] for f in FORMATS}
        for _ in range(rounds):
            for fmt in FORMATS:
                model, opt, x = self.setup(fmt)
                if what == 'train':
                    self.train_epoch(model, opt, x, batch_size, limit=batch_size * 4)
                    start = time.perf_counter()
                    self.train_epoch(model, opt, x, batch_size, limit=max(640, batch_size * 4))
                else:
                    tx = self.test_x.contiguous(memory_format=FORMATS[fmt])
                    self.predict(model, tx, batch_size)
                    start = time.perf_counter()
                    self.predict(model, tx, batch_size)
                times[fmt].append(time.perf_counter() - start)
        med = {f: sorted(t)[len(t) // 2] for f, t in times.items()}
        best = min(med, key=med.get)
        self.formats[what + str(batch_size)] = {'chosen': best, 'seconds': med}
        return best

    def handle(self, c):
        cmd = c['cmd']
        if cmd == 'train':
            batch_size, epochs = c['batchSize'], c['epochs']
            fmt = self.choose_format('train', batch_size)
            model, opt, x = self.setup(fmt)
            self.model, self.model_format = model, fmt
            send({'ok': True, 'format': fmt, 'formatTimes': self.formats['train' + str(batch_size)]['seconds']})
            for epoch in range(epochs):
                # Slices of batches granted by the driver, timed only while working (see worker-tensornode.ts).
                gate = Slices(wait_for('epoch')['batches'])
                loss, acc = self.train_epoch(model, opt, x, batch_size, limit=c.get('samples'), before_batch=gate.before_batch)
                seconds = gate.finish()
                send({'epoch': epoch + 1, 'seconds': seconds, 'images': min(c.get('samples') or x.shape[0], x.shape[0]),
                      'loss': loss, 'accuracy': acc, **memory()})
            return None
        if cmd == 'warmup':
            # As worker-tensornode.ts: a throwaway model trained for `seconds`, then one inference pass.
            model, opt, x = self.setup('NCHW')
            start, epochs = time.perf_counter(), 0
            while time.perf_counter() - start < c['seconds']:
                self.train_epoch(model, opt, x, c['batchSize'], limit=c.get('samples'))
                epochs += 1
            self.predict(model, self.test_x, 256)
            return {'seconds': time.perf_counter() - start, 'epochs': epochs}
        if cmd == 'evaluate':
            model = self.model
            model.eval()
            tx = self.test_x.contiguous(memory_format=FORMATS[self.model_format])
            with torch.inference_mode():
                logits = torch.cat([model(tx[s:s + 256]) for s in range(0, tx.shape[0], 256)])
                loss = F.cross_entropy(logits, self.test_y).item()
                accuracy = (logits.argmax(1) == self.test_y).float().mean().item()
            return {'loss': loss, 'accuracy': accuracy}
        if cmd == 'infer':
            batch_size, passes = c['batchSize'], c['passes']
            key = 'infer' + str(batch_size)
            if key not in self.formats:
                self.choose_format('infer', batch_size)
                fmt = self.formats[key]['chosen']
                self.infer_model = self.model.to(memory_format=FORMATS[fmt])
                self.infer_x = self.test_x.contiguous(memory_format=FORMATS[fmt])
            start = time.perf_counter()
            for _ in range(passes):
                self.predict(self.infer_model, self.infer_x, batch_size)
            seconds = time.perf_counter() - start
            return {'seconds': seconds, 'images': passes * self.infer_x.shape[0], 'format': self.formats[key]['chosen'],
                    'formatTimes': self.formats[key]['seconds'], **memory()}
        if cmd == 'memory':
            return memory()
        raise ValueError('unknown command ' + cmd)


class Slices:
    def __init__(self, budget):
        self.budget, self.done, self.slice_start, self.busy = budget, 0, 0, 0.0
        self.resumed = time.perf_counter()

    def before_batch(self):
        if self.budget == 0:
            now = time.perf_counter()
            self.busy += now - self.resumed
            send({'pause': True, 'batches': self.done, 'seconds': now - self.resumed, 'sliceBatches': self.done - self.slice_start})
            self.budget = wait_for('run')['batches']
            self.slice_start = self.done
            self.resumed = time.perf_counter()
        self.budget -= 1
        self.done += 1

    def finish(self):
        return self.busy + time.perf_counter() - self.resumed


def wait_for(cmd):
    line = sys.stdin.readline()
    if not line:
        sys.exit(0)
    c = json.loads(line)
    if c['cmd'] != cmd:
        raise ValueError('protocol: expected "%s", received "%s"' % (cmd, c['cmd']))
    return c


def main():
    run = None
    for line in sys.stdin:
        if not line.strip():
            continue
        c = json.loads(line)
        if c['cmd'] == 'exit':
            return
        try:
            if c['cmd'] == 'init':
                if not blas_config().startswith('OpenBLAS'):
                    # Debian's torch links libblas.so.3: without OpenBLAS installed that is the reference BLAS, whose
                    # products run at a few GFLOP/s, and PyTorch's Linear layers with it.
                    raise RuntimeError('PyTorch uses the reference BLAS (libblas3): a comparison would say nothing; '
                                       'install OpenBLAS (apt-get install libopenblas0-pthread)')
                torch.set_num_threads(c['threads'])
                torch.manual_seed(c['seed'])
                run = Run(c['data'])
                preload = os.environ.get('LD_PRELOAD', '')
                send({
                    'name': 'PyTorch ' + torch.__version__.split('+')[0],
                    'config': '%d threads (OMP_NUM_THREADS=%s, OPENBLAS_NUM_THREADS=%s), %s, %s, Python %s' % (
                        torch.get_num_threads(), os.environ.get('OMP_NUM_THREADS'), os.environ.get('OPENBLAS_NUM_THREADS'),
                        blas_config(), 'tcmalloc' if 'tcmalloc' in preload else 'glibc malloc', sys.version.split()[0]),
                    **memory(),
                })
            else:
                reply = run.handle(c)
                if reply is not None:
                    send(reply)
        except Exception:
            send({'error': traceback.format_exc()})


if __name__ == '__main__':
    main()
