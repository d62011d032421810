// Winograd F(4x4, 3x3): the kernel transform, the per-thread pipeline (input transform -> 36 GEMMs -> output
// transform, one L2-sized chunk of tiles at a time) and which shapes take it. The tile transforms are per ISA
// (conv_winograd_impl.h); the GEMMs are tn::sgemm's.
#include "conv_winograd.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <vector>

#include "cpu.h"
#include "gemm/gemm.h"
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

// u[p][ci][co] = (G g G^T)[p] with g[i][j] = k[(i * 3 + j) * in_c * out_c + ci * out_c + co] (a [3][3][in][out]
// kernel), vectorised along co. G's rows evaluate the filter polynomial at 0, 1, -1, 2, -2 and infinity, scaled so
// that the output transform has integer coefficients.
void transform_kernel(const float* k, int64_t in_c, int64_t out_c, float* u) {
  const int64_t plane = in_c * out_c;
  constexpr float G[kWinogradAlpha][3] = {{0.25f, 0.0f, 0.0f},
                                          {-1.0f / 6, -1.0f / 6, -1.0f / 6},
                                          {-1.0f / 6, 1.0f / 6, -1.0f / 6},
                                          {1.0f / 24, 1.0f / 12, 1.0f / 6},
                                          {1.0f / 24, -1.0f / 12, 1.0f / 6},
                                          {0.0f, 0.0f, 1.0f}};
  const int threads = team_size(in_c, plane * 200, kMacsPerThread / 4);
  run_team(threads, in_c, [&](int, int64_t c0, int64_t c1) {
    std::vector<float> tmp(static_cast<size_t>(kWinogradAlpha * 3 * out_c));  // (G g)[a][j][co]
    for (int64_t ci = c0; ci < c1; ++ci) {
      for (int a = 0; a < kWinogradAlpha; ++a)
        for (int j = 0; j < 3; ++j) {
          float* t = tmp.data() + (a * 3 + j) * out_c;
          const float* g0 = k + (0 * 3 + j) * plane + ci * out_c;
          const float* g1 = k + (1 * 3 + j) * plane + ci * out_c;
          const float* g2 = k + (2 * 3 + j) * plane + ci * out_c;
          for (int64_t co = 0; co < out_c; ++co) t[co] = G[a][0] * g0[co] + G[a][1] * g1[co] + G[a][2] * g2[co];
        }
      for (int a = 0; a < kWinogradAlpha; ++a)
        for (int b = 0; b < kWinogradAlpha; ++b) {
          const float* t0 = tmp.data() + (a * 3 + 0) * out_c;
          const float* t1 = tmp.data() + (a * 3 + 1) * out_c;
          const float* t2 = tmp.data() + (a * 3 + 2) * out_c;
          float* o = u + (a * kWinogradAlpha + b) * plane + ci * out_c;
          for (int64_t co = 0; co < out_c; ++co) o[co] = G[b][0] * t0[co] + G[b][1] * t1[co] + G[b][2] * t2[co];
        }
    }
  });
}

void run(const WinogradConv& g, const float* x, const float* u, const float* bias, UnaryOp activation, float alpha,
         float* y) {
  const WinogradKernels& k = kernels();
  const int64_t tiles = g.tiles();
  const int64_t per_tile = kWinogradPoints * (g.in_c + g.out_c);
  int64_t chunk = std::clamp<int64_t>(kChunkBytes / int64_t(sizeof(float)) / per_tile, 8, 512);
  const int64_t macs = tiles * kWinogradPoints * g.in_c * g.out_c;
  const int threads = team_size(tiles, macs, kMacsPerThread);
  // A few chunks per thread, taken from a shared counter: on a machine shared with other processes one thread is
  // often descheduled for a while, and the other then does its chunks instead of waiting for it (as tn::sgemm).
  if (threads > 1) chunk = std::min(chunk, std::max<int64_t>(8, (tiles + 4 * threads - 1) / (4 * threads)));
  const int64_t chunks = (tiles + chunk - 1) / chunk;
  const int64_t v_floats = kWinogradPoints * chunk * g.in_c, per_thread = v_floats + kWinogradPoints * chunk * g.out_c;
  float* scratch = workspace(WorkspaceSlot::im2col, static_cast<size_t>(threads * per_thread));
  std::atomic<int64_t> next{0};
  run_team(threads, threads, [&](int t, int64_t, int64_t) {
    float* v = scratch + t * per_thread;
    float* m = v + v_floats;
    for (int64_t c = next.fetch_add(1); c < chunks; c = next.fetch_add(1)) {
      const int64_t t0 = c * chunk, count = std::min(chunk, tiles - t0);
      k.input_tiles(g, x, t0, count, v, chunk * g.in_c);
      for (int p = 0; p < kWinogradPoints; ++p)
        sgemm_serial(false, false, count, g.out_c, g.in_c, v + p * chunk * g.in_c, g.in_c,
                     u + p * g.in_c * g.out_c, g.out_c, 0.0f, m + p * chunk * g.out_c, g.out_c);
      k.output_tiles(g, m, chunk * g.out_c, t0, count, bias, activation, alpha, y);
    }
  });
}

}  // namespace

bool winograd_geometry(const Conv2dShape& s) {
  return s.kh == 3 && s.kw == 3 && s.stride_h == 1 && s.stride_w == 1 && s.dilation_h == 1 && s.dilation_w == 1;
}

// Measured on the avx512 path (benchmarks/RESULTS.md, "Winograd"; one thread, best of 60 calls, since the machine was
// too loaded for medians): with 16 or more channels in and out, Winograd took 1.4-2.3x less time than the direct
// kernels forward and 1.5-2.8x backward; 8 -> 8 channels were level and 3 -> 32 (a first layer) ran at 0.55x, the
// transforms then costing as much as the products they save. Forward outputs under 8x8 (6x6, 4x4 with 64 channels)
// were 0.90-0.94x: their tiles are mostly padding. The backward-input pass gains more (its direct kernels run at
// 50-150 GFLOP/s against the forward's 200), also on small maps.
//
// The kernel's transform is paid once per call whatever the batch, so a forward pass over few tiles loses: at batch 1
// to 4 on 2 threads (inference of a single request) the direct kernels took 0.4-0.8x Winograd's time on the
// CIFAR-style CNN's layers, level at 256 output tiles of 32 channels, and Winograd won from 256 tiles of 64 channels
// and 1,024 of 32 (test/native/conv-winograd.test.ts names the shapes; RESULTS.md "Issue 14, batch 1").
bool winograd_pays(const Conv2dShape& s, bool backward_input) {
  if (backward_input) return s.c >= 16 && s.oc >= 16;
  const int64_t tiles = s.n * ((s.oh + 3) / 4) * ((s.ow + 3) / 4);
  const bool enough_tiles = tiles >= 512 || (tiles >= 256 && s.c >= 64 && s.oc >= 64);
  return s.c >= 16 && s.oc >= 16 && s.oh >= 8 && s.ow >= 8 && enough_tiles;
}

void set_winograd_mode(WinogradMode mode) { g_mode.store(mode); }
WinogradMode winograd_mode() { return g_mode.load(); }

void winograd_forward(const Conv2dShape& s, const float* x, const float* w, const float* bias, UnaryOp activation,
                      float alpha, float* y) {
  float* u = workspace(WorkspaceSlot::winograd, static_cast<size_t>(kWinogradPoints * s.c * s.oc));
  transform_kernel(w, s.c, s.oc, u);
  run({s.n, s.h, s.w, s.c, s.oh, s.ow, s.oc, s.pad_top, s.pad_left}, x, u, bias, activation, alpha, y);
}

void winograd_backward_input(const Conv2dShape& s, const float* dz, const float* w, float* dx) {
  // The rotated kernel with its channels swapped, [3][3][oc][c], then transformed as the forward's.
  const int64_t plane = s.c * s.oc;
  float* u = workspace(WorkspaceSlot::winograd, static_cast<size_t>((kWinogradPoints + 9) * plane));
  float* rotated = u + kWinogradPoints * plane;
  for (int64_t i = 0; i < 9; ++i) {
    const float* src = w + (8 - i) * plane;
    float* dst = rotated + i * plane;
    for (int64_t c = 0; c < s.c; ++c)
      for (int64_t o = 0; o < s.oc; ++o) dst[o * s.c + c] = src[c * s.oc + o];
  }
  transform_kernel(rotated, s.oc, s.c, u);
  // dx[h, w] reads dz rows h + pad_top - 2 + [0, 3): a forward convolution with padding 2 - pad.
  run({s.n, s.oh, s.ow, s.oc, s.h, s.w, s.c, 2 - s.pad_top, 2 - s.pad_left}, dz, u, nullptr, UnaryOp::linear, 0.0f,
      dx);
}

}  // namespace tn
