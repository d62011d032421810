// Depthwise convolution: threads split rows (of the output forward, of the input for its gradient, fixed chunks of
// output rows for the filter gradient); the per-ISA row kernels (depthwise_conv_impl.h) vectorise over channels.
//
// With a depth multiplier m > 1, each thread expands the input rows it needs so that channel c fills the m lanes
// c * m .. c * m + m - 1; every kernel then runs on c * m lanes as if m were 1, with the kernel as Keras stores it
// ([kh, kw, c, m] is [kh, kw, c * m] per tap). The input gradient adds the m lanes of a channel back together.
#include "depthwise_conv.h"

#include <cstdint>
#include <cstring>
#include <vector>

#include "cpu.h"
#include "team.h"
#include "workspace.h"

// The portable path: the kernels compiled for the baseline ISA of the build (SSE2 on x86-64, NEON on arm64).
#define TN_ISA_NS generic
#define TN_SIMD 0
#include "depthwise_conv_impl.h"
#undef TN_SIMD
#undef TN_ISA_NS

namespace tn {

namespace {

const DepthwiseKernels& kernels() {
  static const DepthwiseKernels* const table = [] {
    switch (active_isa()) {
#if defined(__x86_64__)
      case Isa::avx512: return &avx512::depthwise_kernels;
      case Isa::avx2: return &avx2::depthwise_kernels;
#endif
      default: return &generic::depthwise_kernels;
    }
  }();
  return *table;
}

// Multiply-adds that pay for waking one more thread (about 10 us of work at full speed), as for conv2d.
constexpr int64_t kMacsPerThread = int64_t(1) << 20;
// Floats of filter-gradient partial sums kept at once: bounds the chunk count for very wide kernels.
constexpr int64_t kMaxPartialFloats = int64_t(1) << 22;
// Chunks of output rows for the filter gradient. A constant (not the thread count) so that the sum's order, and so
// its rounding, is the same on any number of threads; enough chunks to keep a few dozen threads busy.
constexpr int64_t kFilterChunks = 64;

int64_t macs(const DepthwiseConv2dShape& s) { return s.n * s.oh * s.ow * s.c * s.m * s.kh * s.kw; }

// x's row `row` (n * h + input row) with each channel repeated m times, into `out` (w * c * m floats).
void expand_row(const DepthwiseConv2dShape& s, const float* x, int64_t row, float* out) {
  const float* src = x + row * s.w * s.c;
  const int64_t pixels = s.w * s.c;
  for (int64_t p = 0; p < pixels; ++p) {
    const float v = src[p];
    float* dst = out + p * s.m;
    for (int64_t q = 0; q < s.m; ++q) dst[q] = v;
  }
}

// The kh input rows that output row oh of image n reads (null outside the image), expanded into `scratch` when
// m > 1 (kh rows of w * c * m floats).
void input_rows(const DepthwiseConv2dShape& s, const float* x, int64_t n, int64_t oh, float* scratch,
                const float** rows) {
  for (int64_t i = 0; i < s.kh; ++i) {
    const int64_t h = oh * s.stride_h - s.pad_top + i * s.dilation_h;
    if (h < 0 || h >= s.h) {
      rows[i] = nullptr;
    } else if (s.m == 1) {
      rows[i] = x + (n * s.h + h) * s.w * s.c;
    } else {
      float* e = scratch + i * s.w * s.c * s.m;
      expand_row(s, x, n * s.h + h, e);
      rows[i] = e;
    }
  }
}

DepthwiseRow row_geometry(const DepthwiseConv2dShape& s, const float** rows, const float** weights) {
  return {s.c * s.m, s.kh, s.kw, s.w, s.ow, s.stride_w, s.dilation_w, s.pad_left, rows, weights, s.c * s.m};
}

}  // namespace

void depthwise_conv2d_forward(const DepthwiseConv2dShape& s, const float* x, const float* w, const float* bias,
                              UnaryOp activation, float alpha, float* y) {
  const int64_t oc = s.c * s.m, units = s.n * s.oh;
  if (units * s.ow * oc == 0) return;
  const DepthwiseKernels& k = kernels();
  run_team(team_size(units, macs(s), kMacsPerThread), units, [&](int, int64_t u0, int64_t u1) {
    std::vector<const float*> rows(s.kh), weights(s.kh);
    for (int64_t i = 0; i < s.kh; ++i) weights[i] = w + i * s.kw * oc;
    float* scratch = s.m > 1 ? workspace(WorkspaceSlot::im2col, static_cast<size_t>(s.kh * s.w * oc)) : nullptr;
    const DepthwiseRow r = row_geometry(s, rows.data(), weights.data());
    for (int64_t u = u0; u < u1; ++u) {
      input_rows(s, x, u / s.oh, u % s.oh, scratch, rows.data());
      k.forward_row(r, bias, activation, alpha, y + u * s.ow * oc);
    }
  });
}

void depthwise_conv2d_backward_input(const DepthwiseConv2dShape& s, const float* dy, const float* w, float* dx,
                                     const OutputActivation& act) {
  const int64_t oc = s.c * s.m, units = s.n * s.h;
  if (units * s.w * s.c == 0) return;
  if (s.oh * s.ow * oc == 0) {
    std::memset(dx, 0, sizeof(float) * units * s.w * s.c);
    return;
  }
  // dz = dy * act'(y) in full: each dy row feeds kh input rows, so folding it in per row would repeat it kh times.
  if (act.y) {
    const int64_t total = s.n * s.oh * s.ow * oc;
    float* dz = workspace(WorkspaceSlot::conv_aux, static_cast<size_t>(total));
    unary_grad(act.activation, act.y, act.y, dy, dz, total, act.alpha);
    dy = dz;
  }
  const DepthwiseKernels& k = kernels();
  run_team(team_size(units, macs(s), kMacsPerThread), units, [&](int, int64_t u0, int64_t u1) {
    std::vector<const float*> rows(s.kh), weights(s.kh);
    // With stride 1 along the row, column x gathers dy columns x + pl - j*dw: a forward row over dy with the kernel
    // flipped left to right and the padding that leaves, which takes the forward's register tiles.
    const bool as_forward = s.stride_w == 1;
    for (int64_t i = 0; i < s.kh; ++i) weights[i] = w + (i * s.kw + (as_forward ? s.kw - 1 : 0)) * oc;
    DepthwiseRow r{oc, s.kh, s.kw, s.ow, s.w, s.stride_w, s.dilation_w, s.pad_left, rows.data(), weights.data(), oc};
    if (as_forward) {
      r.stride_w = 1;
      r.pad_left = (s.kw - 1) * s.dilation_w - s.pad_left;
      r.weight_step = -oc;
    }
    float* expanded = s.m > 1 ? workspace(WorkspaceSlot::im2col, static_cast<size_t>(s.w * oc)) : nullptr;
    for (int64_t u = u0; u < u1; ++u) {
      const int64_t n = u / s.h, h = u % s.h;
      for (int64_t i = 0; i < s.kh; ++i) {
        const int64_t t = h + s.pad_top - i * s.dilation_h;
        const bool hit = t >= 0 && t % s.stride_h == 0 && t / s.stride_h < s.oh;
        rows[i] = hit ? dy + (n * s.oh + t / s.stride_h) * s.ow * oc : nullptr;
      }
      float* out = dx + u * s.w * s.c;
      float* target = expanded ? expanded : out;
      if (as_forward) k.forward_row(r, nullptr, UnaryOp::linear, 0.0f, target);
      else k.input_grad_row(r, target);
      if (expanded) {
        for (int64_t p = 0; p < s.w * s.c; ++p) {
          float sum = 0.0f;
          for (int64_t q = 0; q < s.m; ++q) sum += expanded[p * s.m + q];
          out[p] = sum;
        }
      }
    }
  });
}

void depthwise_conv2d_backward_filter(const DepthwiseConv2dShape& s, const float* x, const float* dy, float* dw,
                                      float* dbias, const OutputActivation& act) {
  const int64_t oc = s.c * s.m, taps = s.kh * s.kw * oc, total = s.n * s.oh;
  if (oc == 0) return;
  if (total * s.ow == 0) {
    std::memset(dw, 0, sizeof(float) * taps);
    if (dbias) std::memset(dbias, 0, sizeof(float) * oc);
    return;
  }
  const int64_t part = taps + (dbias ? oc : 0);
  int64_t chunks = total < kFilterChunks ? total : kFilterChunks;
  if (chunks * part > kMaxPartialFloats) chunks = kMaxPartialFloats / part > 1 ? kMaxPartialFloats / part : 1;
  float* partials = workspace(WorkspaceSlot::gemm_c, static_cast<size_t>(chunks * part));
  const DepthwiseKernels& k = kernels();
  run_team(team_size(chunks, macs(s), kMacsPerThread), chunks, [&](int, int64_t c0, int64_t c1) {
    std::vector<const float*> rows(s.kh), weights(s.kh);
    const DepthwiseRow r = row_geometry(s, rows.data(), weights.data());
    const int64_t expanded = s.m > 1 ? s.kh * s.w * oc : 0, dz_floats = act.y ? s.ow * oc : 0;
    float* scratch = expanded + dz_floats > 0
                         ? workspace(WorkspaceSlot::im2col, static_cast<size_t>(expanded + dz_floats))
                         : nullptr;
    float* dz = scratch ? scratch + expanded : nullptr;
    for (int64_t c = c0; c < c1; ++c) {
      float* g = partials + c * part;
      std::memset(g, 0, sizeof(float) * part);
      float* gb = dbias ? g + taps : nullptr;
      for (int64_t u = total * c / chunks, end = total * (c + 1) / chunks; u < end; ++u) {
        input_rows(s, x, u / s.oh, u % s.oh, scratch, rows.data());
        const float* d = dy + u * s.ow * oc;
        if (act.y) {
          k.activation_grad(act.activation, act.y + u * s.ow * oc, act.y + u * s.ow * oc, d, dz, s.ow * oc,
                            act.alpha);
          d = dz;
        }
        k.filter_row(r, d, g, gb);
      }
    }
  });
  // Chunk by chunk in order for every element, whichever thread adds which elements; a block of elements at a time
  // so that the adds run along contiguous memory.
  parallel_for(part, chunks, [&](int64_t e0, int64_t e1) {
    constexpr int64_t kBlock = 256;
    float sum[kBlock];
    for (int64_t b = e0; b < e1; b += kBlock) {
      const int64_t len = e1 - b < kBlock ? e1 - b : kBlock;
      std::memcpy(sum, partials + b, sizeof(float) * len);
      for (int64_t c = 1; c < chunks; ++c) {
        const float* p = partials + c * part + b;
#pragma omp simd
        for (int64_t e = 0; e < len; ++e) sum[e] += p[e];
      }
      for (int64_t e = 0; e < len; ++e) {
        if (b + e < taps) dw[b + e] = sum[e];
        else dbias[b + e - taps] = sum[e];
      }
    }
  });
}

}  // namespace tn
