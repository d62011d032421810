// Winograd F(4x4, 3x3): the kernel transform, the per-thread pipeline (input transform -> 36 GEMMs -> output
// transform, one L2-sized chunk of tiles at a time) and which shapes take it. The tile transforms are per ISA
// (conv_winograd_impl.h); the GEMMs are tn::sgemm's.
#include "conv_winograd.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>

#include "cpu.h"
#include "gemm/gemm.h"
#include "parallel.h"
#include "team.h"
#include "workspace.h"

// The portable path: the transforms compiled for the baseline ISA of the build (SSE2 on x86-64, NEON on arm64).
#define TN_ISA_NS generic
#define TN_SIMD 0
#include "conv_winograd_impl.h"
#undef TN_SIMD
#undef TN_ISA_NS

namespace tn {

namespace {

std::atomic<WinogradMode> g_mode{WinogradMode::automatic};

const WinogradKernels& kernels() {
  static const WinogradKernels* const table = [] {
    switch (active_isa()) {
#if defined(__x86_64__)
      case Isa::avx512: return &avx512::winograd_kernels;
      case Isa::avx2: return &avx2::winograd_kernels;
#endif
      default: return &generic::winograd_kernels;
    }
  }();
  return *table;
}

// Multiply-adds that pay for waking one more thread (as conv.cc's).
constexpr int64_t kMacsPerThread = int64_t(1) << 20;
// A chunk's transformed tiles and their products (36 x tiles x (in_c + out_c) floats) stay within this much of the
// 1 MiB L2, so that the GEMMs read what the input transform just wrote and the output transform reads what they wrote.
constexpr int64_t kChunkBytes = int64_t(640) << 10;

// Tiles per chunk for the L2 budget above.
int64_t l2_chunk(int64_t in_c, int64_t out_c) {
  return std::clamp<int64_t>(kChunkBytes / int64_t(sizeof(float)) / (kWinogradPoints * (in_c + out_c)), 8, 512);
}

// The distance between two points' planes of a chunk: whole cache lines, and never a multiple of 1 KiB, so that the
// 36 planes a transform writes side by side do not all map to the same few cache sets (a chunk of 128 tiles of 32
// channels, planes 16 KiB apart, ran the filter gradient 1.6x slower than one of 71).
int64_t point_stride(int64_t floats) {
  const int64_t lines = (floats + 15) / 16;
  return (lines % 16 == 0 ? lines + 1 : lines) * 16;
}

// The distance between two points' planes of the transformed kernel u (in_c x out_c floats each): padded as
// point_stride pads, because with planes a multiple of 4 KiB apart (32 or 64 channels) the kernel transform's 36
// stores per vector, and the loads of the next, all fell in the same cache sets: a 64 -> 64 transform took half of a
// batch-1 forward pass.
int64_t kernel_stride(int64_t in_c, int64_t out_c) { return point_stride(in_c * out_c); }

// u[p * kernel_stride + ci * out_c + co] = (G g G^T)[p] for a [3][3][in][out] kernel, split over input channels. A
// second thread pays only for wide kernels.
void transform_kernel(const float* k, int64_t in_c, int64_t out_c, float* u) {
  const int64_t u_stride = kernel_stride(in_c, out_c);
  const int threads = team_size(in_c, in_c * out_c * 16, kMacsPerThread / 4);
  run_team(threads, in_c, [&](int, int64_t c0, int64_t c1) {
    kernels().transform_kernel_rows(k, in_c, out_c, c0, c1, u, u_stride);
  });
}

// input(t0, count, v, v_stride) transforms a chunk's input tiles (input_tiles or pooled_input_tiles), and
// output(m, m_stride, t0, count) takes its 36 products out of the transform (output_tiles or pooled_output_tiles).
template <typename Input, typename Output>
void run(const WinogradConv& g, Input input, const float* u, Output output) {
  const int64_t tiles = g.tiles();
  int64_t chunk = l2_chunk(g.in_c, g.out_c);
  const int64_t macs = tiles * kWinogradPoints * g.in_c * g.out_c;
  int threads = team_size(tiles, macs, kMacsPerThread);
  // A few chunks per thread, taken from a shared counter: on a machine shared with other processes one thread is
  // often descheduled for a while, and the other then does its chunks instead of waiting for it (as tn::sgemm). But
  // not under 64 tiles (the GEMMs' rows), and no more threads than chunks: a batch-1 forward pass over 36 tiles, cut
  // into chunks of 8 for two threads, took 125 us against 58 us in one chunk on one thread (2026-12-06).
  if (threads > 1) chunk = std::min(chunk, std::max<int64_t>(64, (tiles + 4 * threads - 1) / (4 * threads)));
  const int64_t chunks = (tiles + chunk - 1) / chunk;
  threads = static_cast<int>(std::min<int64_t>(threads, chunks));
  const int64_t v_stride = point_stride(chunk * g.in_c), m_stride = point_stride(chunk * g.out_c);
  const int64_t v_floats = kWinogradPoints * v_stride, per_thread = v_floats + kWinogradPoints * m_stride;
  const int64_t u_stride = kernel_stride(g.in_c, g.out_c);
  float* scratch = workspace(WorkspaceSlot::im2col, static_cast<size_t>(threads * per_thread));
  std::atomic<int64_t> next{0};
  run_team(threads, threads, [&](int t, int64_t, int64_t) {
    float* v = scratch + t * per_thread;
    float* m = v + v_floats;
    for (int64_t c = next.fetch_add(1); c < chunks; c = next.fetch_add(1)) {
      const int64_t t0 = c * chunk, count = std::min(chunk, tiles - t0);
      input(t0, count, v, v_stride);
      for (int p = 0; p < kWinogradPoints; ++p)
        sgemm_serial(false, false, count, g.out_c, g.in_c, v + p * v_stride, g.in_c, u + p * u_stride, g.out_c, 0.0f,
                     m + p * m_stride, g.out_c);
      output(m, m_stride, t0, count);
    }
  });
}

// run's input for an input in memory.
auto plain_input(const WinogradConv& g, const float* x) {
  return [&g, x](int64_t t0, int64_t count, float* v, int64_t v_stride) {
    kernels().input_tiles(g, x, t0, count, v, v_stride);
  };
}

// Carries the 36 points' gradients m[p][ci][co] back to the kernel (dw, [3][3][in][out]), split over input channels.
void untransform_kernel(const float* m, int64_t in_c, int64_t out_c, float* dw) {
  const int threads = team_size(in_c, in_c * out_c * 16, kMacsPerThread / 4);
  run_team(threads, in_c, [&](int, int64_t c0, int64_t c1) {
    kernels().untransform_kernel_rows(m, in_c, out_c, c0, c1, dw);
  });
}

}  // namespace

bool winograd_geometry(const Conv2dShape& s) {
  return s.kh == 3 && s.kw == 3 && s.stride_h == 1 && s.stride_w == 1 && s.dilation_h == 1 && s.dilation_w == 1;
}

// Measured on the avx512 path, direct against Winograd in one process, alternating (benchmarks/RESULTS.md
// "Winograd", and "Issue 14, Winograd on two threads" for the scratch measurements behind the thresholds).
//
// On one thread (setNumThreads(1), a serving pool's workers) Winograd took 0.4-0.8x the direct kernels' time on
// nearly every shape with 16 channels or more, batch 1 included; it lost only with a handful of tiles (a forward
// pass over 4 tiles 0.60-0.87x, a filter gradient over 16 tiles 0.60-0.75x: the kernel's transforms and the sums'
// G^T . G are then not repaid).
//
// On two threads the direct kernels scale by 1.8-2x and Winograd by 1.25-1.7x (its input and output transforms
// stream the maps from memory), so it needs bigger calls: 24 channels or more (at 16 it took 1.15-1.45x the direct
// time in every pass), maps of 8x8 or more (on 6x6 its tiles are mostly padding: 1.4-2x), and for the filter
// gradient 128 output tiles. The forward pass takes it from 16 tiles: fewer tiles than one chunk run on one thread,
// and since the kernel transform is vectorised (2026-12-07) one thread's Winograd takes 0.37-0.54x one thread's
// direct time on every shape measured (1-16 images of 15x15 to 32x32, 24-128 channels), under the direct kernels'
// time on two. Not for wide kernels over few tiles: 14x14x256 -> 256 at batch 1 took 0.81x on one thread, 1.2x the
// direct time on two (its two chunks scale poorly, and the transformed kernel alone is 9 MB per call).
//
// The filter gradient keeps per-thread sums of 36 x c x oc floats: past 8 MiB of them (more than about 240 channels
// in and out) it is left to im2col and the GEMM, which are efficient at those widths.
bool winograd_pays(const Conv2dShape& s, WinogradPass pass) {
  if (s.c < 16 || s.oc < 16) return false;
  if (pass == WinogradPass::backward_filter && kWinogradPoints * s.c * s.oc * int64_t(sizeof(float)) > (int64_t(8) << 20))
    return false;
  const int64_t tiles = s.n * ((s.oh + 3) / 4) * ((s.ow + 3) / 4);  // over the output (forward, filter gradient)
  if (max_threads() == 1) {
    switch (pass) {
      case WinogradPass::forward: return tiles >= 16;
      case WinogradPass::backward_input: return true;
      case WinogradPass::backward_filter: return tiles >= 32;
    }
  }
  if (s.c < 24 || s.oc < 24) return false;
  switch (pass) {
    case WinogradPass::forward:
      return s.oh >= 8 && s.ow >= 8 && tiles >= 16 && (s.c * s.oc <= 128 * 128 || tiles >= 256);
    case WinogradPass::backward_input: return s.h >= 8 && s.w >= 8;
    case WinogradPass::backward_filter: return s.oh >= 8 && s.ow >= 8 && tiles >= 128;
  }
  return false;
}

void set_winograd_mode(WinogradMode mode) { g_mode.store(mode); }
WinogradMode winograd_mode() { return g_mode.load(); }

void winograd_forward(const Conv2dShape& s, const float* x, const float* w, const float* bias, UnaryOp activation,
                      float alpha, float* y) {
  float* u = workspace(WorkspaceSlot::winograd, static_cast<size_t>(kWinogradPoints * kernel_stride(s.c, s.oc)));
  transform_kernel(w, s.c, s.oc, u);
  const WinogradConv g{s.n, s.h, s.w, s.c, s.oh, s.ow, s.oc, s.pad_top, s.pad_left};
  run(g, plain_input(g, x), u, [&](const float* m, int64_t m_stride, int64_t t0, int64_t count) {
    kernels().output_tiles(g, m, m_stride, t0, count, bias, activation, alpha, y);
  });
}

void winograd_forward_maxpool2(const Conv2dShape& s, const float* x, const float* w, const float* bias,
                               UnaryOp activation, float alpha, float* y, uint8_t* argmax) {
  const int64_t ph = s.oh / 2, pw = s.ow / 2;
  if (s.n * ph * pw * s.oc == 0) return;
  float* u = workspace(WorkspaceSlot::winograd, static_cast<size_t>(kWinogradPoints * kernel_stride(s.c, s.oc)));
  transform_kernel(w, s.c, s.oc, u);
  // Only the rows and columns the windows cover: a 13x13 output pooled to 6x6 takes 3x3 tiles, not 4x4.
  const WinogradConv g{s.n, s.h, s.w, s.c, 2 * ph, 2 * pw, s.oc, s.pad_top, s.pad_left};
  run(g, plain_input(g, x), u, [&](const float* m, int64_t m_stride, int64_t t0, int64_t count) {
    kernels().pooled_output_tiles(g, m, m_stride, t0, count, bias, activation, alpha, y, argmax);
  });
}

namespace {

// The input gradient as a forward convolution over dz with the kernel rotated by 180 degrees and its channels
// swapped; input(g, t0, count, v, v_stride) transforms dz's tiles of the convolution g.
template <typename Input>
void backward_input(const Conv2dShape& s, const WinogradConv& g, Input input, const float* w, float* dx) {
  // The rotated kernel with its channels swapped, [3][3][oc][c], then transformed as the forward's.
  const int64_t plane = s.c * s.oc;
  const int64_t u_floats = kWinogradPoints * kernel_stride(s.oc, s.c);
  float* u = workspace(WorkspaceSlot::winograd, static_cast<size_t>(u_floats + 9 * plane));
  float* rotated = u + u_floats;
  for (int64_t i = 0; i < 9; ++i) {
    const float* src = w + (8 - i) * plane;
    float* dst = rotated + i * plane;
    for (int64_t c = 0; c < s.c; ++c)
      for (int64_t o = 0; o < s.oc; ++o) dst[o * s.c + c] = src[c * s.oc + o];
  }
  transform_kernel(rotated, s.oc, s.c, u);
  run(g, input, u, [&](const float* m, int64_t m_stride, int64_t t0, int64_t count) {
    kernels().output_tiles(g, m, m_stride, t0, count, nullptr, UnaryOp::linear, 0.0f, dx);
  });
}

}  // namespace

void winograd_backward_input(const Conv2dShape& s, const float* dz, const float* w, float* dx) {
  // dx[h, w] reads dz rows h + pad_top - 2 + [0, 3): a forward convolution with padding 2 - pad.
  const WinogradConv g{s.n, s.oh, s.ow, s.oc, s.h, s.w, s.c, 2 - s.pad_top, 2 - s.pad_left};
  backward_input(s, g, plain_input(g, dz), w, dx);
}

void winograd_backward_input_maxpool2(const Conv2dShape& s, const float* dy, const float* y, const uint8_t* argmax,
                                      const float* w, float* dx) {
  // dz is zero past the rows and columns the windows cover: an input that ends there.
  const WinogradConv g{s.n, s.oh / 2 * 2, s.ow / 2 * 2, s.oc, s.h, s.w, s.c, 2 - s.pad_top, 2 - s.pad_left};
  backward_input(s, g, [&](int64_t t0, int64_t count, float* v, int64_t v_stride) {
    kernels().pooled_input_tiles(g, dy, y, argmax, t0, count, v, v_stride);
  }, w, dx);
}

namespace {

// dw and dbias over g's output tiles; gradient(t0, count, m, m_stride, bias_sums) writes a chunk's 36 product
// gradients (gradient_tiles or pooled_gradient_tiles) and adds its bias gradient to bias_sums.
template <typename Gradient>
void filter_gradient(const Conv2dShape& s, const WinogradConv& g, const float* x, Gradient gradient, float* dw,
                     float* dbias) {
  const WinogradKernels& k = kernels();
  const int64_t tiles = g.tiles(), plane = s.c * s.oc;
  const int64_t chunk = l2_chunk(s.c, s.oc);
  const int64_t chunks = (tiles + chunk - 1) / chunk;
  const int threads = team_size(chunks, tiles * kWinogradPoints * plane, kMacsPerThread);
  // Chunks are split evenly and statically (no more threads than chunks, so each thread's first chunk sets its sums),
  // and each thread sums its own products ([36][c][oc], then the bias's
  // [oc]): the totals then depend only on the shape and the thread count, as the direct kernels' do.
  const int64_t sums_floats = (kWinogradPoints * plane + s.oc + 15) / 16 * 16;
  const int64_t v_stride = point_stride(chunk * s.c), m_stride = point_stride(chunk * s.oc);
  const int64_t per_thread = sums_floats + kWinogradPoints * (v_stride + m_stride);
  float* scratch = workspace(WorkspaceSlot::im2col, static_cast<size_t>(threads * per_thread));
  run_team(threads, chunks, [&](int t, int64_t c0, int64_t c1) {
    float* sums = scratch + t * per_thread;
    float* bias_sums = sums + kWinogradPoints * plane;
    float* v = sums + sums_floats;
    float* m = v + kWinogradPoints * v_stride;
    std::memset(bias_sums, 0, sizeof(float) * s.oc);
    for (int64_t c = c0; c < c1; ++c) {
      const int64_t t0 = c * chunk, count = std::min(chunk, tiles - t0);
      k.input_tiles(g, x, t0, count, v, v_stride);
      gradient(t0, count, m, m_stride, bias_sums);
      for (int p = 0; p < kWinogradPoints; ++p)
        sgemm_serial(true, false, s.c, s.oc, count, v + p * v_stride, s.c, m + p * m_stride, s.oc,
                     c == c0 ? 0.0f : 1.0f, sums + p * plane, s.oc);
    }
  });
  // The threads' sums, added in thread order.
  const int64_t total = kWinogradPoints * plane + s.oc;
  if (threads > 1) {
    const int adders = team_size(total, total * threads, int64_t(1) << 16);
    run_team(adders, total, [&](int, int64_t e0, int64_t e1) {
      for (int t = 1; t < threads; ++t) {
        const float* part = scratch + t * per_thread;
#pragma omp simd
        for (int64_t e = e0; e < e1; ++e) scratch[e] += part[e];
      }
    });
  }
  untransform_kernel(scratch, s.c, s.oc, dw);
  if (dbias) std::memcpy(dbias, scratch + kWinogradPoints * plane, sizeof(float) * s.oc);
}

}  // namespace

void winograd_backward_filter(const Conv2dShape& s, const float* x, const float* dy, const OutputActivation& act,
                              float* dw, float* dbias) {
  const WinogradConv g{s.n, s.h, s.w, s.c, s.oh, s.ow, s.oc, s.pad_top, s.pad_left};
  filter_gradient(s, g, x, [&](int64_t t0, int64_t count, float* m, int64_t m_stride, float* bias_sums) {
    kernels().gradient_tiles(g, dy, act, t0, count, m, m_stride, bias_sums);
  }, dw, dbias);
}

void winograd_backward_filter_maxpool2(const Conv2dShape& s, const float* x, const float* dy, const float* y,
                                       const uint8_t* argmax, float* dw, float* dbias) {
  const WinogradConv g{s.n, s.h, s.w, s.c, s.oh / 2 * 2, s.ow / 2 * 2, s.oc, s.pad_top, s.pad_left};
  filter_gradient(s, g, x, [&](int64_t t0, int64_t count, float* m, int64_t m_stride, float* bias_sums) {
    kernels().pooled_gradient_tiles(g, dy, y, argmax, t0, count, m, m_stride, bias_sums);
  }, dw, dbias);
}

}  // namespace tn
