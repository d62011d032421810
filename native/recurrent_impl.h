// The fused LSTM and GRU forward loops (recurrent_kernels.h), written once against conv_simd.h's Vec. Each including
// translation unit defines TN_ISA_NS and TN_SIMD and wraps the include in its target pragma; include only after every
// system header (<algorithm>, <cstdint>, <cstring>, <vector>, and <immintrin.h> on x86-64).
//
// A tile of R batch rows runs all its time steps on its own: no other row reads its state, so threads split the
// batch into tiles once and never wait for each other. Per step and per chunk of W units, R x 4 accumulators (one
// vector per gate and row) start from the bias, take x_t W and then h_{t-1} U as outer products (one broadcast per
// row and value, one load per gate of the packed weights), and land in a small pre-activation buffer; the gate
// nonlinearities and the state update then run over that buffer while it is still in L1. The projection for a step
// is computed next to the state product, so the [time, batch, g*units] projected input never goes through memory
// (in inference; training projects beforehand, since the kernel's gradient needs the inputs anyway, and the tile
// then starts from the projected rows).
// Packed weights hold the g gates' columns of one chunk side by side, so a chunk's i, f, c, o (or z, r, h) for the
// same units sit in registers together.

namespace tn {
namespace TN_ISA_NS {

#include "vecmath.h"
#include "conv_simd.h"

namespace {

using VR = Vec::R;
constexpr int kWidth = Vec::width;
// Accumulator slots per row: LSTM i, f, c, o; GRU z, r, then the candidate's input part and its recurrent part apart
// (resetAfter multiplies only the recurrent part by r).
constexpr int kSlots = 4;
constexpr int kRows = Vec::accumulators / kSlots;

// Multiply-adds that pay for waking one more thread.
constexpr int64_t kMacsPerThread = int64_t(1) << 20;

// dst [chunks][k][n][kWidth]: the first n gates of src [k, gates*units], zero past `units` in the last chunk.
void pack(const float* src, int64_t k, int64_t gates, int n, int64_t units, int64_t chunks, float* dst) {
  for (int64_t ch = 0; ch < chunks; ++ch)
    for (int64_t q = 0; q < k; ++q)
      for (int g = 0; g < n; ++g)
        for (int l = 0; l < kWidth; ++l) {
          const int64_t j = ch * kWidth + l;
          *dst++ = j < units ? src[q * gates * units + g * units + j] : 0.f;
        }
}

// acc[m][slot(n)] += a[m][q] * panel[q][n] over q < k; gate n of the panel feeds slot n, or n + 1 from Skip on.
template <int M, int N, int Skip>
[[gnu::always_inline]] inline void accumulate(VR (&acc)[M][kSlots], const float* const (&a)[M], int64_t k,
                                              const float* panel) {
  for (int64_t q = 0; q < k; ++q) {
    VR b[N];
#pragma GCC unroll 4
    for (int n = 0; n < N; ++n) b[n] = Vec::load(panel + (q * N + n) * kWidth);
#pragma GCC unroll 8
    for (int m = 0; m < M; ++m) {
      const VR av = Vec::set1(a[m][q]);
#pragma GCC unroll 4
      for (int n = 0; n < N; ++n) {
        const int s = (Skip < 0 || n < Skip) ? n : n + 1;
        acc[m][s] = Vec::fma(av, b[n], acc[m][s]);
      }
    }
  }
}

// tanh(v) = 2 sigmoid(2v) - 1: one exp per value, no branch on the magnitude; exact to float32's absolute precision.
[[gnu::always_inline]] inline float tanh_via_sigmoid(float v) { return 2.f * vm::sigmoid(2.f * v) - 1.f; }

// The gates' activation. The hard sigmoids are computed as the elementwise op and the layers' step path compute them
// (a product, then the offset, NaN kept) so that both paths agree.
template <RecurrentGate G>
[[gnu::always_inline]] inline float gate(float v) {
  if constexpr (G == RecurrentGate::sigmoid) {
    return vm::sigmoid(v);
  } else {
    const float t = v * (G == RecurrentGate::hard_sigmoid ? 1.0f / 6.0f : 0.2f) + 0.5f;
    return v != v ? v : (t < 0.0f ? 0.0f : (t > 1.0f ? 1.0f : t));
  }
}

// One row's gates and state update from its pre-activations (kSlots rows of `stride` floats). With Save, also the
// activations a backward pass needs: g [4*units] (RecurrentForward's gates) and LSTM's cell state cs [units].
template <RecurrentCell Cell, bool Save, RecurrentGate G>
[[gnu::always_inline]] inline void update(const float* pre, int64_t stride, int64_t units, float* h, float* c, float* g,
                                          float* cs) {
  const float* p0 = pre;
  const float* p1 = pre + stride;
  const float* p2 = pre + 2 * stride;
  const float* p3 = pre + 3 * stride;
  if constexpr (Cell == RecurrentCell::lstm) {
#pragma omp simd
    for (int64_t j = 0; j < units; ++j) {
      const float i = gate<G>(p0[j]), f = gate<G>(p1[j]), gc = tanh_via_sigmoid(p2[j]), o = gate<G>(p3[j]);
      const float cj = f * c[j] + i * gc;
      c[j] = cj;
      h[j] = o * tanh_via_sigmoid(cj);
      if constexpr (Save) {
        g[j] = i;
        g[units + j] = f;
        g[2 * units + j] = gc;
        g[3 * units + j] = o;
        cs[j] = cj;
      }
    }
  } else if constexpr (Cell == RecurrentCell::gru_reset_before) {
    // p2 holds the whole candidate pre-activation, x W_h + (r * h_prev) U_h (run_tile's second pass).
#pragma omp simd
    for (int64_t j = 0; j < units; ++j) {
      const float z = gate<G>(p0[j]), hh = tanh_via_sigmoid(p2[j]), hp = h[j];
      h[j] = z * hp + (1.f - z) * hh;
      if constexpr (Save) {
        const float r = gate<G>(p1[j]);
        g[j] = z;
        g[units + j] = r;
        g[2 * units + j] = hh;
        g[3 * units + j] = r * hp;
      }
    }
  } else {
#pragma omp simd
    for (int64_t j = 0; j < units; ++j) {
      const float z = gate<G>(p0[j]), r = gate<G>(p1[j]);
      const float hh = tanh_via_sigmoid(p2[j] + r * p3[j]);
      h[j] = z * h[j] + (1.f - z) * hh;
      if constexpr (Save) {
        g[j] = z;
        g[units + j] = r;
        g[2 * units + j] = hh;
        g[3 * units + j] = p3[j];
      }
    }
  }
}

// rh = gate(pre_r) * h over a row, for the original GRU's candidate.
template <RecurrentGate G>
[[gnu::always_inline]] inline void reset_row(const float* pre_r, const float* h, int64_t units, float* rh) {
#pragma omp simd
  for (int64_t j = 0; j < units; ++j) rh[j] = gate<G>(pre_r[j]) * h[j];
}

// The original GRU's second pass over Nc chunks of the candidate: p [M rows of row_stride][Nc * kWidth] += a U_h's
// panel [k][Nc][kWidth], in registers (Nc a constant, so the accumulators are not indexed at run time).
template <int M, int Nc>
[[gnu::always_inline]] inline void candidate_group(float* p, int64_t row_stride, const float* const (&a)[M], int64_t k,
                                                   const float* panel) {
  VR acc[M][kSlots];
#pragma GCC unroll 8
  for (int m = 0; m < M; ++m)
#pragma GCC unroll 4
    for (int q = 0; q < Nc; ++q) acc[m][q] = Vec::load(p + m * row_stride + q * kWidth);
  accumulate<M, Nc, -1>(acc, a, k, panel);
#pragma GCC unroll 8
  for (int m = 0; m < M; ++m)
#pragma GCC unroll 4
    for (int q = 0; q < Nc; ++q) Vec::store(p + m * row_stride + q * kWidth, acc[m][q]);
}

struct Packed {
  const float* x;     // [chunks][features][N][kWidth]
  const float* h;     // [chunks][units][N][kWidth] (reset_before: z and r only, N = 2)
  const float* hc;    // reset_before: U_h alone, in groups of up to kSlots chunks, [units][chunks][kWidth] each
  const float* init;  // [chunks][kSlots][kWidth]
  int64_t chunks;
};

// All steps of rows [row0, row0 + M). h and c hold M rows of `units` (zero on entry; c is the original GRU's
// r * h); pre M x kSlots rows of chunks * kWidth.
template <int M, RecurrentCell Cell, RecurrentGate G>
void run_tile(const RecurrentForward& p, const Packed& pk, int64_t row0, float* h, float* c, float* pre) {
  constexpr bool kBefore = Cell == RecurrentCell::gru_reset_before;
  constexpr int N = Cell == RecurrentCell::lstm ? 4 : 3;
  // reset_after GRU: the input part skips the candidate's recurrent slot (3), the recurrent part its input slot (2).
  // The original GRU adds both parts of the candidate in slot 2; its first state pass covers z and r only.
  constexpr int kSkipX = Cell == RecurrentCell::gru ? 3 : -1;
  constexpr int kSkipH = Cell == RecurrentCell::gru ? 2 : -1;
  constexpr int NH = kBefore ? 2 : N;
  const int64_t f = p.features, u = p.units, stride = pk.chunks * kWidth;
  const float* hr[M];
  for (int m = 0; m < M; ++m) hr[m] = h + m * u;
  for (int64_t k = 0; k < p.time; ++k) {
    const int64_t t = p.reverse ? p.time - 1 - k : k;
    const float* xr[M];
    for (int m = 0; m < M; ++m) xr[m] = p.xw ? nullptr : p.x + ((row0 + m) * p.time + t) * f;
    for (int64_t ch = 0; ch < pk.chunks; ++ch) {
      VR acc[M][kSlots];
      const float* init = pk.init + ch * kSlots * kWidth;
      for (int m = 0; m < M; ++m)
        for (int s = 0; s < kSlots; ++s) acc[m][s] = Vec::load(init + s * kWidth);
      if (p.xw) {
        const auto lanes = Vec::mask(u - ch * kWidth);
        for (int m = 0; m < M; ++m) {
          const float* row = p.xw + (t * p.batch + row0 + m) * N * u + ch * kWidth;
          for (int n = 0; n < N; ++n) {
            const int s = (kSkipX < 0 || n < kSkipX) ? n : n + 1;
            acc[m][s] = Vec::add(acc[m][s], Vec::load(row + n * u, lanes));
          }
        }
      } else {
        accumulate<M, N, kSkipX>(acc, xr, f, pk.x + ch * f * N * kWidth);
      }
      if (k > 0) accumulate<M, NH, kSkipH>(acc, hr, u, pk.h + ch * u * NH * kWidth);
      for (int m = 0; m < M; ++m)
        for (int s = 0; s < kSlots; ++s) Vec::store(pre + (m * kSlots + s) * stride + ch * kWidth, acc[m][s]);
    }
    if constexpr (kBefore) {
      // The candidate's state part needs this step's r: (r * h_prev) U_h, added to slot 2 (h_prev = 0 at k = 0).
      if (k > 0) {
        const float* rr[M];
        for (int m = 0; m < M; ++m) {
          reset_row<G>(pre + (m * kSlots + 1) * stride, h + m * u, u, c + m * u);
          rr[m] = c + m * u;
        }
        // Up to kSlots chunks at a time, one accumulator slot each: one chunk alone would take a broadcast per
        // multiply-add.
        for (int64_t c0 = 0; c0 < pk.chunks; c0 += kSlots) {
          float* p2 = pre + 2 * stride + c0 * kWidth;
          const float* panel = pk.hc + c0 * u * kWidth;
          switch (std::min<int64_t>(kSlots, pk.chunks - c0)) {
            case 4: candidate_group<M, 4>(p2, kSlots * stride, rr, u, panel); break;
            case 3: candidate_group<M, 3>(p2, kSlots * stride, rr, u, panel); break;
            case 2: candidate_group<M, 2>(p2, kSlots * stride, rr, u, panel); break;
            default: candidate_group<M, 1>(p2, kSlots * stride, rr, u, panel); break;
          }
        }
      }
    }
    float* out = p.sequences ? p.hs + k * p.batch * u : (k == p.time - 1 ? p.hs : nullptr);
    for (int m = 0; m < M; ++m) {
      const int64_t row = row0 + m;
      if (p.gates) {
        update<Cell, true, G>(pre + m * kSlots * stride, stride, u, h + m * u, c + m * u,
                              p.gates + (k * p.batch + row) * 4 * u, p.cs ? p.cs + (k * p.batch + row) * u : nullptr);
      } else {
        update<Cell, false, G>(pre + m * kSlots * stride, stride, u, h + m * u, c + m * u, nullptr, nullptr);
      }
      if (out) std::memcpy(out + row * u, h + m * u, sizeof(float) * u);
    }
  }
}

// run_tile for the `rows` (1..M) left in a tile: the tile height is a template parameter so that the accumulators
// stay in registers.
template <int M, RecurrentCell Cell, RecurrentGate G>
void run_rows(int rows, const RecurrentForward& p, const Packed& pk, int64_t row0, float* h, float* c, float* pre) {
  if (rows == M) {
    run_tile<M, Cell, G>(p, pk, row0, h, c, pre);
  } else if constexpr (M > 1) {
    run_rows<M - 1, Cell, G>(rows, p, pk, row0, h, c, pre);
  }
}

// The gate is a template parameter of the whole loop, and the helpers inside a tile are always inlined: with a copy
// per gate, GCC stopped inlining update (and the exp of its simd loop) into some tiles on its own, and the training
// forward measured 4-5x slower.
template <RecurrentCell Cell, RecurrentGate G>
void run(const RecurrentForward& p) {
  constexpr bool kBefore = Cell == RecurrentCell::gru_reset_before;
  constexpr int N = Cell == RecurrentCell::lstm ? 4 : 3;
  constexpr int NH = kBefore ? 2 : N;
  const int64_t u = p.units, f = p.xw ? 0 : p.features, gates = N;
  const int64_t chunks = (u + kWidth - 1) / kWidth, stride = chunks * kWidth;
  std::vector<float> px(chunks * f * N * kWidth), ph(chunks * u * NH * kWidth), init(chunks * kSlots * kWidth, 0.f);
  std::vector<float> phc(kBefore ? chunks * u * kWidth : 0);
  if (!p.xw) pack(p.kernel, f, gates, N, u, chunks, px.data());
  pack(p.recurrent_kernel, u, gates, NH, u, chunks, ph.data());
  if (kBefore) {
    // U_h in groups of up to kSlots chunks, each group [units][chunks in it][kWidth] (run_tile's second pass).
    float* dst = phc.data();
    for (int64_t c0 = 0; c0 < chunks; c0 += kSlots)
      for (int64_t q = 0; q < u; ++q)
        for (int64_t ch = c0; ch < std::min<int64_t>(c0 + kSlots, chunks); ++ch)
          for (int l = 0; l < kWidth; ++l) {
            const int64_t j = ch * kWidth + l;
            *dst++ = j < u ? p.recurrent_kernel[q * gates * u + 2 * u + j] : 0.f;
          }
  }
  for (int64_t ch = 0; ch < chunks; ++ch)
    for (int l = 0; l < kWidth; ++l) {
      const int64_t j = ch * kWidth + l;
      if (j >= u) continue;
      float* in = init.data() + ch * kSlots * kWidth + l;
      const float* bi = p.input_bias;
      const float* br = p.recurrent_bias;
      if constexpr (Cell == RecurrentCell::lstm) {
        for (int s = 0; s < kSlots; ++s) in[s * kWidth] = bi ? bi[s * u + j] : 0.f;
      } else if constexpr (kBefore) {
        for (int s = 0; s < 3; ++s) in[s * kWidth] = bi ? bi[s * u + j] : 0.f;
      } else {
        in[0] = (bi ? bi[j] : 0.f) + (br ? br[j] : 0.f);
        in[kWidth] = (bi ? bi[u + j] : 0.f) + (br ? br[u + j] : 0.f);
        in[2 * kWidth] = bi ? bi[2 * u + j] : 0.f;
        in[3 * kWidth] = br ? br[2 * u + j] : 0.f;
      }
    }
  const Packed pk{px.data(), ph.data(), phc.data(), init.data(), chunks};
  const int64_t tiles = (p.batch + kRows - 1) / kRows;
  const int64_t macs = p.batch * p.time * (f + u) * N * u;
  const int threads = team_size(tiles, macs, kMacsPerThread);
  // Per thread: h and c (kRows x units each) and the pre-activations (kRows x kSlots x stride), allocated here so
  // that nothing inside the parallel region can throw.
  const int64_t per = 2 * kRows * u + kRows * kSlots * stride;
  std::vector<float> scratch(threads * per);
  run_team(threads, tiles, [&](int slot, int64_t t0, int64_t t1) {
    float* h = scratch.data() + slot * per;
    float* c = h + kRows * u;
    float* pre = c + kRows * u;
    for (int64_t tile = t0; tile < t1; ++tile) {
      const int64_t row0 = tile * kRows;
      const int rows = static_cast<int>(std::min<int64_t>(kRows, p.batch - row0));
      std::fill(h, h + 2 * kRows * u, 0.f);
      run_rows<kRows, Cell, G>(rows, p, pk, row0, h, c, pre);
    }
  });
}

template <RecurrentCell Cell>
void run_gate(const RecurrentForward& p) {
  switch (p.gate) {
    case RecurrentGate::hard_sigmoid: run<Cell, RecurrentGate::hard_sigmoid>(p); break;
    case RecurrentGate::hard_sigmoid_legacy: run<Cell, RecurrentGate::hard_sigmoid_legacy>(p); break;
    default: run<Cell, RecurrentGate::sigmoid>(p); break;
  }
}

}  // namespace

void recurrent_forward(const RecurrentForward& p) {
  if (p.batch == 0 || p.time == 0 || p.units == 0) return;
  switch (p.cell) {
    case RecurrentCell::lstm: run_gate<RecurrentCell::lstm>(p); break;
    case RecurrentCell::gru: run_gate<RecurrentCell::gru>(p); break;
    case RecurrentCell::gru_reset_before: run_gate<RecurrentCell::gru_reset_before>(p); break;
  }
}

}  // namespace TN_ISA_NS
}  // namespace tn
