#include "recurrent.h"

#include <cstring>
#include <vector>

#include "elementwise.h"
#include "gemm/gemm.h"

namespace tn {

void lstm_forward(const float* xw, const float* u, int64_t batch, int64_t time, int64_t units, bool reverse, float* hs,
                  float* cs, float* gates) {
  const int64_t g4 = 4 * units;
  std::vector<float> z(batch * g4), tc(units);
  for (int64_t k = 0; k < time; ++k) {
    const int64_t t = reverse ? time - 1 - k : k;
    // z = xw[:, t] + h_{k-1} U (the first step starts from h = 0, c = 0).
    for (int64_t b = 0; b < batch; ++b) std::memcpy(&z[b * g4], xw + (b * time + t) * g4, sizeof(float) * g4);
    if (k > 0) sgemm(false, false, batch, g4, units, hs + (k - 1) * units, time * units, u, g4, 1.0f, z.data(), g4);
    for (int64_t b = 0; b < batch; ++b) {
      float* zr = &z[b * g4];
      float* gr = gates + (b * time + k) * g4;
      unary(UnaryOp::sigmoid, zr, gr, 2 * units, 0.f);                        // i, f
      unary(UnaryOp::tanh, zr + 2 * units, gr + 2 * units, units, 0.f);       // g
      unary(UnaryOp::sigmoid, zr + 3 * units, gr + 3 * units, units, 0.f);    // o
      const float* cprev = k > 0 ? cs + (b * time + k - 1) * units : nullptr;
      float* c = cs + (b * time + k) * units;
      for (int64_t j = 0; j < units; ++j) c[j] = (cprev ? gr[units + j] * cprev[j] : 0.f) + gr[j] * gr[2 * units + j];
      unary(UnaryOp::tanh, c, tc.data(), units, 0.f);
      float* h = hs + (b * time + k) * units;
      for (int64_t j = 0; j < units; ++j) h[j] = gr[3 * units + j] * tc[j];
    }
  }
}

void lstm_backward(const float* dhs, const float* u, const float* hs, const float* cs, const float* gates,
                   int64_t batch, int64_t time, int64_t units, bool reverse, float* dxw, float* du) {
  const int64_t g4 = 4 * units;
  std::vector<float> dh(batch * units, 0.f), dc(batch * units, 0.f), dz(batch * g4), tc(units);
  std::memset(du, 0, sizeof(float) * units * g4);
  for (int64_t k = time - 1; k >= 0; --k) {
    const int64_t t = reverse ? time - 1 - k : k;
    for (int64_t b = 0; b < batch; ++b) {
      const float* gr = gates + (b * time + k) * g4;
      const float* c = cs + (b * time + k) * units;
      const float* cprev = k > 0 ? cs + (b * time + k - 1) * units : nullptr;
      const float* dho = dhs + (b * time + k) * units;
      float* dhr = &dh[b * units];
      float* dcr = &dc[b * units];
      float* dzr = &dz[b * g4];
      unary(UnaryOp::tanh, c, tc.data(), units, 0.f);
      for (int64_t j = 0; j < units; ++j) {
        const float i = gr[j], f = gr[units + j], g = gr[2 * units + j], o = gr[3 * units + j];
        const float dhj = dhr[j] + dho[j];
        const float dcj = dcr[j] + dhj * o * (1.f - tc[j] * tc[j]);
        dzr[j] = dcj * g * i * (1.f - i);
        dzr[units + j] = cprev ? dcj * cprev[j] * f * (1.f - f) : 0.f;
        dzr[2 * units + j] = dcj * i * (1.f - g * g);
        dzr[3 * units + j] = dhj * tc[j] * o * (1.f - o);
        dcr[j] = dcj * f;
      }
      std::memcpy(dxw + (b * time + t) * g4, dzr, sizeof(float) * g4);
    }
    if (k > 0) {
      // The state that fed this step: dU += h_{k-1}^T dz, and the gradient flowing into h_{k-1} = dz U^T.
      sgemm(true, false, units, g4, batch, hs + (k - 1) * units, time * units, dz.data(), g4, 1.0f, du, g4);
      sgemm(false, true, batch, units, g4, dz.data(), g4, u, g4, 0.0f, dh.data(), units);
    }
  }
}

void gru_forward(const float* xw, const float* u, const float* b, int64_t batch, int64_t time, int64_t units,
                 bool reverse, float* hs, float* gates) {
  const int64_t g3 = 3 * units, g4 = 4 * units;
  std::vector<float> hu(batch * g3), pre(g3);
  for (int64_t k = 0; k < time; ++k) {
    const int64_t t = reverse ? time - 1 - k : k;
    // hu = b + h_{k-1} U; at the first step h = 0 and hu is the bias alone.
    for (int64_t r = 0; r < batch; ++r) {
      if (b) std::memcpy(&hu[r * g3], b, sizeof(float) * g3);
      else std::memset(&hu[r * g3], 0, sizeof(float) * g3);
    }
    if (k > 0) sgemm(false, false, batch, g3, units, hs + (k - 1) * units, time * units, u, g3, 1.0f, hu.data(), g3);
    for (int64_t r = 0; r < batch; ++r) {
      const float* x = xw + (r * time + t) * g3;
      const float* h = &hu[r * g3];
      float* gr = gates + (r * time + k) * g4;
      for (int64_t j = 0; j < 2 * units; ++j) pre[j] = x[j] + h[j];
      unary(UnaryOp::sigmoid, pre.data(), gr, 2 * units, 0.f);  // z, r
      for (int64_t j = 0; j < units; ++j) pre[j] = x[2 * units + j] + gr[units + j] * h[2 * units + j];
      unary(UnaryOp::tanh, pre.data(), gr + 2 * units, units, 0.f);  // hh
      std::memcpy(gr + 3 * units, h + 2 * units, sizeof(float) * units);  // hu_h, for the backward pass
      const float* hprev = k > 0 ? hs + (r * time + k - 1) * units : nullptr;
      float* hn = hs + (r * time + k) * units;
      for (int64_t j = 0; j < units; ++j) {
        const float z = gr[j];
        hn[j] = (hprev ? z * hprev[j] : 0.f) + (1.f - z) * gr[2 * units + j];
      }
    }
  }
}

void gru_backward(const float* dhs, const float* u, const float* hs, const float* gates, int64_t batch, int64_t time,
                  int64_t units, bool reverse, float* dxw, float* du, float* db) {
  const int64_t g3 = 3 * units, g4 = 4 * units;
  std::vector<float> dh(batch * units, 0.f), dhu(batch * g3);
  std::memset(du, 0, sizeof(float) * units * g3);
  if (db) std::memset(db, 0, sizeof(float) * g3);
  for (int64_t k = time - 1; k >= 0; --k) {
    const int64_t t = reverse ? time - 1 - k : k;
    for (int64_t r = 0; r < batch; ++r) {
      const float* gr = gates + (r * time + k) * g4;
      const float* hprev = k > 0 ? hs + (r * time + k - 1) * units : nullptr;
      const float* dho = dhs + (r * time + k) * units;
      float* dhr = &dh[r * units];
      float* dx = dxw + (r * time + t) * g3;
      float* dur = &dhu[r * g3];
      for (int64_t j = 0; j < units; ++j) {
        const float z = gr[j], rg = gr[units + j], hh = gr[2 * units + j], huh = gr[3 * units + j];
        const float hp = hprev ? hprev[j] : 0.f;
        const float d = dhr[j] + dho[j];
        const float dah = d * (1.f - z) * (1.f - hh * hh);
        const float daz = d * (hp - hh) * z * (1.f - z);
        const float dar = dah * huh * rg * (1.f - rg);
        dx[j] = daz;
        dx[units + j] = dar;
        dx[2 * units + j] = dah;
        dur[j] = daz;
        dur[units + j] = dar;
        dur[2 * units + j] = dah * rg;
        dhr[j] = d * z;  // the direct path to h_{k-1}; the path through U is added below
      }
      if (db)
        for (int64_t j = 0; j < g3; ++j) db[j] += dur[j];
    }
    if (k > 0) {
      sgemm(true, false, units, g3, batch, hs + (k - 1) * units, time * units, dhu.data(), g3, 1.0f, du, g3);
      sgemm(false, true, batch, units, g3, dhu.data(), g3, u, g3, 1.0f, dh.data(), units);
    }
  }
}

}  // namespace tn
