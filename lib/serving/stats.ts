// Latency figures over a recent window: a ring of the last N samples, sorted only when stats() asks, so recording a
// request costs one store.

export interface Percentiles {
  /** Samples in the window (at most its size). */
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export class RecentWindow {
  private readonly values: Float64Array;
  private next = 0;
  private filled = 0;

  constructor(size: number) {
    this.values = new Float64Array(size);
  }

  push(v: number): void {
    this.values[this.next] = v;
    this.next = (this.next + 1) % this.values.length;
    if (this.filled < this.values.length) this.filled++;
  }

  /** Nearest-rank percentiles, in the unit pushed (NaN when the window is empty). */
  percentiles(): Percentiles {
    const sorted = this.values.slice(0, this.filled).sort();
    const at = (q: number) => (this.filled ? sorted[Math.min(this.filled - 1, Math.ceil(q * this.filled) - 1)] : NaN);
    return { count: this.filled, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: this.filled ? sorted[this.filled - 1] : NaN };
  }
}
