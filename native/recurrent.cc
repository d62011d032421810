#include "recurrent.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "cpu.h"
#include "elementwise.h"
#include "gemm/gemm.h"
#include "parallel.h"
#include "recurrent_kernels.h"
#include "team.h"

// The portable path: recurrent_impl.h compiled for the baseline ISA of the build (SSE2 on x86-64, NEON on
// arm64).
#define TN_ISA_NS generic
#define TN_SIMD 0
#include "recurrent_impl.h"
#undef TN_SIMD
#undef TN_ISA_NS

namespace tn {

namespace {

void recurrent_forward(const RecurrentForward& p) {
  static const auto kernel = [] {
    switch (active_isa()) {
#if defined(__x86_64__)
      case Isa::avx512: return &avx512::recurrent_forward;
      case Isa::avx2: return &avx2::recurrent_forward;
#endif
      default: return &generic::recurrent_forward;
    }
  }();
  kernel(p);
}

// tanh(x) = 2 sigmoid(2x) - 1 lets one vectorised sigmoid call cover a whole step's gates and cell input (a call
// per row and gate costs more than the arithmetic); it is exact to float32's absolute precision.
void sigmoid_inplace(float* x, int64_t n) { unary(UnaryOp::sigmoid, x, x, n, 0.f); }

// A gate's derivative from its value s: s (1 - s) for the sigmoid; a hard sigmoid's slope on its linear part
// (0 < s < 1), else 0 (as the elementwise hard_sigmoid's gradient).
template <RecurrentGate G>
inline float gate_grad(float s) {
  if constexpr (G == RecurrentGate::sigmoid) return s * (1.f - s);
  else return s > 0.f && s < 1.f ? (G == RecurrentGate::hard_sigmoid ? 1.0f / 6.0f : 0.2f) : 0.f;
}

// f(std::integral_constant<RecurrentGate, g>{}): the backward loops are compiled once per gate, with no branch on it
// inside.
template <typename F>
void with_gate(RecurrentGate g, F&& f) {
  switch (g) {
    case RecurrentGate::hard_sigmoid: f(std::integral_constant<RecurrentGate, RecurrentGate::hard_sigmoid>{}); break;
    case RecurrentGate::hard_sigmoid_legacy:
      f(std::integral_constant<RecurrentGate, RecurrentGate::hard_sigmoid_legacy>{});
      break;
    default: f(std::integral_constant<RecurrentGate, RecurrentGate::sigmoid>{}); break;
  }
}

}  // namespace

void lstm_forward(const float* xw, const float* u, int64_t batch, int64_t time, int64_t units, bool reverse,
                  RecurrentGate gate, float* hs, float* cs, float* gates) {
  recurrent_forward({RecurrentCell::lstm, gate, nullptr, nullptr, xw, u, nullptr, nullptr, batch, time, 0, units,
                     reverse, true, hs, cs, gates});
}

namespace {

// dU = sum over output steps k >= 1 of a_k^T dz_k as one GEMM over all steps (K = (time - 1) * batch) instead of
// one per step (K = batch): measured 17% off the LSTM backward and 11% off the GRU's (80 steps, batch 32, 64 units).
// a_k is the [batch, units] block that met U at step k (h_{k-1}, or the original GRU's r * h_{k-1}), at
// a1 + (k - 1) * batch * lda with row stride lda; dz's rows for input step t are at dz + t * batch * ldz (n columns),
// and output step k reads input step reverse ? time-1-k : k. Read backwards, the a blocks are copied in input-step
// order so that both sides line up. du [units, n] with row stride ldu is overwritten.
void recurrent_kernel_grad(const float* a1, int64_t lda, const float* dz, int64_t ldz, int64_t batch, int64_t time,
                           int64_t units, int64_t n, bool reverse, float* du, int64_t ldu) {
  const int64_t rows = (time - 1) * batch;
  if (rows <= 0) {
    for (int64_t i = 0; i < units; ++i) std::memset(du + i * ldu, 0, sizeof(float) * n);
    return;
  }
  if (!reverse) {
    // Output step k is input step k: the blocks of steps 1 .. time-1 meet dz's rows of steps 1 .. time-1.
    sgemm(true, false, units, n, rows, a1, lda, dz + batch * ldz, ldz, 0.0f, du, ldu);
    return;
  }
  // Input step t = 0 .. time-2 is output step time-1-t.
  std::vector<float> ar(rows * units);
  for (int64_t t = 0; t + 1 < time; ++t) {
    const float* block = a1 + (time - 2 - t) * batch * lda;
    for (int64_t b = 0; b < batch; ++b)
      std::memcpy(ar.data() + (t * batch + b) * units, block + b * lda, sizeof(float) * units);
  }
  sgemm(true, false, units, n, rows, ar.data(), units, dz, ldz, 0.0f, du, ldu);
}

// Backpropagation through time touches other rows only through dU, summed after the loop: each thread takes a block
// of batch rows through every step on its own (no barrier per step), with its block's dh = dz U^T as a serial GEMM.
// Against a parallel region and a shared GEMM per step (which ran on one thread at batch 32: 12.5 us of each step's
// 25) this measured the LSTM backward 0.54x the time and the GRU's 0.64x (80 steps, batch 32, 64 units, 2 threads).
constexpr int64_t kBackwardMacsPerThread = int64_t(1) << 20;

template <typename F>
void for_row_blocks(int64_t batch, int64_t work, F&& f) {
  const int threads = team_size(batch, work, kBackwardMacsPerThread);
  run_team(threads, batch, [&](int, int64_t b0, int64_t b1) { f(b0, b1); });
}

template <RecurrentGate G>
void lstm_backward_gate(const float* dhs, const float* u, const float* hs, const float* cs, const float* gates,
                        int64_t batch, int64_t time, int64_t units, bool reverse, float* dxw, float* du) {
  const int64_t g4 = 4 * units, step = batch * g4, states = batch * units;
  std::vector<float> dh(states, 0.f), dc(states, 0.f), tc(states);
  for_row_blocks(batch, time * batch * 2 * units * g4, [&](int64_t b0, int64_t b1) {
    const int64_t rows = b1 - b0;
    for (int64_t k = time - 1; k >= 0; --k) {
      const int64_t t = reverse ? time - 1 - k : k;
      const float* c = cs + k * states;
      for (int64_t i = b0 * units; i < b1 * units; ++i) tc[i] = 2.f * c[i];
      sigmoid_inplace(tc.data() + b0 * units, rows * units);
      const float* cprev = k > 0 ? cs + (k - 1) * states : nullptr;
      const float* gk = gates + k * step;
      const float* dho = dhs + k * states;
      float* dz = dxw + t * step;  // this step's pre-activation gradient is dxw[t]
      for (int64_t b = b0; b < b1; ++b) {
        const float* gr = gk + b * g4;
        float* dzr = dz + b * g4;
        for (int64_t j = 0; j < units; ++j) {
          const int64_t s = b * units + j;
          const float i = gr[j], f = gr[units + j], g = gr[2 * units + j], o = gr[3 * units + j];
          const float th = 2.f * tc[s] - 1.f;
          const float dhj = dh[s] + dho[s];
          const float dcj = dc[s] + dhj * o * (1.f - th * th);
          dzr[j] = dcj * g * gate_grad<G>(i);
          dzr[units + j] = cprev ? dcj * cprev[s] * gate_grad<G>(f) : 0.f;
          dzr[2 * units + j] = dcj * i * (1.f - g * g);
          dzr[3 * units + j] = dhj * th * gate_grad<G>(o);
          dc[s] = dcj * f;
        }
      }
      // The gradient flowing into h_{k-1} = dz U^T.
      if (k > 0)
        sgemm_serial(false, true, rows, units, g4, dz + b0 * g4, g4, u, g4, 0.0f, dh.data() + b0 * units, units);
    }
  });
  recurrent_kernel_grad(hs, units, dxw, g4, batch, time, units, g4, reverse, du, g4);
}

}  // namespace

void lstm_backward(const float* dhs, const float* u, const float* hs, const float* cs, const float* gates,
                   int64_t batch, int64_t time, int64_t units, bool reverse, RecurrentGate gate, float* dxw,
                   float* du) {
  with_gate(gate, [&](auto tag) {
    lstm_backward_gate<decltype(tag)::value>(dhs, u, hs, cs, gates, batch, time, units, reverse, dxw, du);
  });
}

void gru_forward(const float* xw, const float* u, const float* b, int64_t batch, int64_t time, int64_t units,
                 bool reverse, RecurrentGate gate, bool reset_after, float* hs, float* gates) {
  recurrent_forward({reset_after ? RecurrentCell::gru : RecurrentCell::gru_reset_before, gate, nullptr, nullptr, xw, u,
                     nullptr, b, batch, time, 0, units, reverse, true, hs, nullptr, gates});
}

namespace {

// Keras 2's original GRU (reset_after false): the reset gate scales h_prev before U_h, so the candidate's gradient
// reaches r and h_prev through d(r h) = dah U_h^T, a product needed before r's own gradient.
template <RecurrentGate G>
void gru_backward_reset_before(const float* dhs, const float* u, const float* hs, const float* gates, int64_t batch,
                               int64_t time, int64_t units, bool reverse, float* dxw, float* du) {
  const int64_t g3 = 3 * units, g4 = 4 * units, states = batch * units;
  std::vector<float> dh(states, 0.f), drh(states);
  for_row_blocks(batch, time * batch * 2 * units * g3, [&](int64_t b0, int64_t b1) {
    const int64_t rows = b1 - b0;
    for (int64_t k = time - 1; k >= 0; --k) {
      const int64_t t = reverse ? time - 1 - k : k;
      const float* gk = gates + k * batch * g4;
      const float* hprev = k > 0 ? hs + (k - 1) * states : nullptr;
      const float* dho = dhs + k * states;
      float* dx = dxw + t * batch * g3;
      for (int64_t r = b0; r < b1; ++r) {
        const float* gr = gk + r * g4;
        float* dxr = dx + r * g3;
        for (int64_t j = 0; j < units; ++j) {
          const int64_t s = r * units + j;
          const float z = gr[j], hh = gr[2 * units + j];
          const float hp = hprev ? hprev[s] : 0.f;
          const float d = dh[s] + dho[s];
          const float dah = d * (1.f - z) * (1.f - hh * hh);
          dxr[j] = d * (hp - hh) * gate_grad<G>(z);
          dxr[units + j] = 0.f;  // set below when there is a previous state
          dxr[2 * units + j] = dah;
          dh[s] = d * z;
        }
      }
      if (k == 0) continue;  // h_prev = 0: r has no effect
      // d(r h_prev) = dah U_h^T, then r's gradient and the path through r h_prev to h_prev.
      sgemm_serial(false, true, rows, units, units, dx + b0 * g3 + 2 * units, g3, u + 2 * units, g3, 0.0f,
                   drh.data() + b0 * units, units);
      for (int64_t r = b0; r < b1; ++r) {
        const float* gr = gk + r * g4;
        for (int64_t j = 0; j < units; ++j) {
          const int64_t s = r * units + j;
          const float rg = gr[units + j];
          dx[r * g3 + units + j] = drh[s] * hprev[s] * gate_grad<G>(rg);
          dh[s] += drh[s] * rg;
        }
      }
      // dh_prev += [daz, dar] U_zr^T.
      sgemm_serial(false, true, rows, units, 2 * units, dx + b0 * g3, g3, u, g3, 1.0f, dh.data() + b0 * units, units);
    }
  });
  // dU_zr = sum of h_prev^T [daz, dar]; dU_h = sum of (r h_prev)^T dah (dxw holds daz, dar, dah).
  recurrent_kernel_grad(hs, units, dxw, g3, batch, time, units, 2 * units, reverse, du, g3);
  recurrent_kernel_grad(gates + batch * g4 + 3 * units, g4, dxw + 2 * units, g3, batch, time, units, units, reverse,
                        du + 2 * units, g3);
}

template <RecurrentGate G>
void gru_backward_reset_after(const float* dhs, const float* u, const float* hs, const float* gates, int64_t batch,
                              int64_t time, int64_t units, bool reverse, float* dxw, float* du, float* db) {
  const int64_t g3 = 3 * units, g4 = 4 * units, states = batch * units;
  // Each step's gradient of h U + b (its candidate column scaled by r), kept by input step for dU after the loop.
  std::vector<float> dh(states, 0.f), dhu(time * batch * g3);
  for_row_blocks(batch, time * batch * 2 * units * g3, [&](int64_t b0, int64_t b1) {
    const int64_t rows = b1 - b0;
    for (int64_t k = time - 1; k >= 0; --k) {
      const int64_t t = reverse ? time - 1 - k : k;
      const float* gk = gates + k * batch * g4;
      const float* hprev = k > 0 ? hs + (k - 1) * states : nullptr;
      const float* dho = dhs + k * states;
      float* dx = dxw + t * batch * g3;
      float* dhut = dhu.data() + t * batch * g3;
      for (int64_t r = b0; r < b1; ++r) {
        const float* gr = gk + r * g4;
        float* dxr = dx + r * g3;
        float* dur = dhut + r * g3;
        for (int64_t j = 0; j < units; ++j) {
          const int64_t s = r * units + j;
          const float z = gr[j], rg = gr[units + j], hh = gr[2 * units + j], huh = gr[3 * units + j];
          const float hp = hprev ? hprev[s] : 0.f;
          const float d = dh[s] + dho[s];
          const float dah = d * (1.f - z) * (1.f - hh * hh);
          const float daz = d * (hp - hh) * gate_grad<G>(z);
          const float dar = dah * huh * gate_grad<G>(rg);
          dxr[j] = daz;
          dxr[units + j] = dar;
          dxr[2 * units + j] = dah;
          dur[j] = daz;
          dur[units + j] = dar;
          dur[2 * units + j] = dah * rg;
          dh[s] = d * z;  // the direct path to h_{k-1}; the path through U is added below
        }
      }
      if (k > 0)
        sgemm_serial(false, true, rows, units, g3, dhut + b0 * g3, g3, u, g3, 1.0f, dh.data() + b0 * units, units);
    }
  });
  recurrent_kernel_grad(hs, units, dhu.data(), g3, batch, time, units, g3, reverse, du, g3);
  // The recurrent bias gradient sums dhu over every step and row, in memory order (the same on any number of threads).
  if (db) {
    std::memset(db, 0, sizeof(float) * g3);
    for (int64_t r = 0; r < time * batch; ++r)
      for (int64_t j = 0; j < g3; ++j) db[j] += dhu[r * g3 + j];
  }
}

}  // namespace

void gru_backward(const float* dhs, const float* u, const float* hs, const float* gates, int64_t batch, int64_t time,
                  int64_t units, bool reverse, RecurrentGate gate, bool reset_after, float* dxw, float* du, float* db) {
  with_gate(gate, [&](auto tag) {
    constexpr RecurrentGate G = decltype(tag)::value;
    if (reset_after) gru_backward_reset_after<G>(dhs, u, hs, gates, batch, time, units, reverse, dxw, du, db);
    else gru_backward_reset_before<G>(dhs, u, hs, gates, batch, time, units, reverse, dxw, du);
  });
}

void lstm_inference(const float* x, const float* kernel, const float* bias, const float* u, int64_t batch,
                    int64_t time, int64_t features, int64_t units, bool reverse, bool sequences, RecurrentGate gate,
                    float* hs) {
  recurrent_forward({RecurrentCell::lstm, gate, x, kernel, nullptr, u, bias, nullptr, batch, time, features, units,
                     reverse, sequences, hs, nullptr, nullptr});
}

void gru_inference(const float* x, const float* kernel, const float* input_bias, const float* u,
                   const float* recurrent_bias, int64_t batch, int64_t time, int64_t features, int64_t units,
                   bool reverse, bool sequences, RecurrentGate gate, bool reset_after, float* hs) {
  recurrent_forward({reset_after ? RecurrentCell::gru : RecurrentCell::gru_reset_before, gate, x, kernel, nullptr, u,
                     input_bias, recurrent_bias, batch, time, features, units, reverse, sequences, hs, nullptr,
                     nullptr});
}

}  // namespace tn
