// 2-D convolution on NHWC data: for each shape and pass, either the direct kernels of conv_impl.h or im2col + GEMM.
//
// Direct kernels read the input in place (NHWC rows are already what they want) and keep a tile of outputs in
// registers; they win wherever im2col would copy a lot for little arithmetic (few input channels: the first layer's
// im2col matrix is [N*676 x 9]) and wherever the packed weights of one block of output channels fit in L2, which
// covers the usual 3x3 layers. Beyond that (very wide layers) the blocked GEMM does better, and a 1x1 convolution
// with stride 1 is a GEMM as it stands. The GEMM is called through tn::sgemm, whose speed is its own file's business.
#include "conv.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>
#include <vector>

#include "conv_kernels.h"
#include "conv_winograd.h"
#include "cpu.h"
#include "gemm/gemm.h"
#include "team.h"
#include "workspace.h"

// The portable path: the direct kernels compiled for the baseline ISA of the build (SSE2 on x86-64, NEON on arm64).
#define TN_ISA_NS generic
#define TN_SIMD 0
#include "conv_impl.h"
#undef TN_SIMD
#undef TN_ISA_NS

namespace tn {

namespace {

const ConvKernels& kernels() {
  static const ConvKernels* const table = [] {
    switch (active_isa()) {
#if defined(__x86_64__)
      case Isa::avx512: return &avx512::conv_kernels;
      case Isa::avx2: return &avx2::conv_kernels;
#endif
      default: return &generic::conv_kernels;
    }
  }();
  return *table;
}

// Multiply-adds that pay for waking one more thread (about 10 us of work at full speed).
constexpr int64_t kMacsPerThread = int64_t(1) << 20;
// The direct kernels stream one block of packed weights (K x block floats) from L2 for every tile of output pixels,
// and the filter gradient keeps a K x oc partial sum per thread there: past half of L2, GEMM's blocking wins.
constexpr int64_t kDirectBytes = int64_t(512) << 10;
// Zero-padded input rows a thread may keep (floats): bounds the scratch for odd geometries (huge dilation or pads).
constexpr int64_t kMaxRingFloats = int64_t(1) << 22;

inline int64_t round_up(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

// A convolution as the direct kernels see it: input [n, in_h, in_w, in_c] -> output [n, out_h, out_w, out_c].
// The gradient with respect to the input is one too (dy convolved with the flipped kernel), hence not Conv2dShape.
struct RowConv {
  int64_t n, in_h, in_w, in_c, out_h, out_w, out_c, kh, kw, stride_h, stride_w, dil_h, dil_w, pad_top, pad_left;
  int64_t macs() const { return n * out_h * out_w * out_c * kh * kw * in_c; }
};

RowConv forward_rows(const Conv2dShape& s) {
  return {s.n, s.h, s.w, s.c, s.oh, s.ow, s.oc, s.kh, s.kw, s.stride_h, s.stride_w, s.dilation_h, s.dilation_w,
          s.pad_top, s.pad_left};
}

// For stride 1: dx[h, w] = sum over i, j of dy[h + pad_top - i*dh, w + pad_left - j*dw] . w[i, j]; with
// i' = kh-1-i that is a forward convolution of dy with the flipped, transposed kernel and padding (kh-1)*dh - pad.
RowConv backward_input_rows(const Conv2dShape& s) {
  return {s.n, s.oh, s.ow, s.oc, s.h, s.w, s.c, s.kh, s.kw, 1, 1, s.dilation_h, s.dilation_w,
          (s.kh - 1) * s.dilation_h - s.pad_top, (s.kw - 1) * s.dilation_w - s.pad_left};
}

// Zero columns an input row needs left of column 0 and right of its last column for every window to stay inside.
struct RowPadding {
  int64_t lead, trail;
  int64_t row_floats(const RowConv& c) const { return (lead + c.in_w + trail) * c.in_c; }
  bool needed() const { return lead > 0 || trail > 0; }
};

RowPadding row_padding(const RowConv& c) {
  if (c.out_w == 0) return {0, 0};
  const int64_t last = (c.out_w - 1) * c.stride_w - c.pad_left + (c.kw - 1) * c.dil_w;
  return {std::max<int64_t>(c.pad_left, 0), std::max<int64_t>(last - (c.in_w - 1), 0)};
}

// Input rows as the direct kernels take them: a pointer to column -pad_left, or null for rows outside the image.
// Rows are read in place unless their windows leave the image sideways or an activation gradient must be folded
// in (the input is then an upstream gradient dy, and the kernel wants dy * act'(y)); such rows are copied into a
// ring of zero-padded rows, where they stay for the following output rows (consecutive output rows share most of
// their input rows).
class InputRows {
 public:
  // The ring's size in floats (0: rows are read in place).
  static int64_t ring_floats(const RowConv& c, const RowPadding& pad, int64_t slots, const OutputActivation& act) {
    return pad.needed() || act.y ? round_up(slots * pad.row_floats(c), 16) : 0;
  }

  InputRows(const RowConv& c, const RowPadding& pad, const float* x, float* ring, int64_t slots,
            const OutputActivation& act = OutputActivation())
      : c_(c), pad_(pad), x_(x), ring_(ring), slots_(slots), row_floats_(pad.row_floats(c)), act_(act) {
    if (ring_) {
      std::memset(ring_, 0, sizeof(float) * slots_ * row_floats_);
      keys_.assign(static_cast<size_t>(slots_), -1);
    }
  }

  // Pointer for input row ih of image n. Rows requested together must lie within `slots` consecutive rows.
  const float* get(int64_t n, int64_t ih) {
    if (ih < 0 || ih >= c_.in_h) return nullptr;
    const int64_t key = n * c_.in_h + ih, row_len = c_.in_w * c_.in_c;
    const float* src = x_ + key * row_len;
    if (!ring_) return src - c_.pad_left * c_.in_c;  // pad_left <= 0 here
    const int64_t slot = key % slots_;
    float* row = ring_ + slot * row_floats_;
    if (keys_[slot] != key) {
      float* dst = row + pad_.lead * c_.in_c;
      if (act_.y) {
        const float* y = act_.y + key * row_len;
        kernels().activation_grad(act_.activation, y, y, src, dst, row_len, act_.alpha);
      } else {
        std::memcpy(dst, src, sizeof(float) * row_len);
      }
      keys_[slot] = key;
    }
    return row + (pad_.lead - c_.pad_left) * c_.in_c;
  }

 private:
  const RowConv& c_;
  RowPadding pad_;
  const float* x_;
  float* ring_;
  int64_t slots_, row_floats_;
  OutputActivation act_;
  std::vector<int64_t> keys_;
};

// Ring slots for output rows processed `rows` at a time: the input rows their windows span.
int64_t ring_slots(const RowConv& c, int64_t rows) { return (rows - 1) * c.stride_h + (c.kh - 1) * c.dil_h + 1; }

// Output channels in blocks of `vectors` ISA vectors: as few blocks as the register tile allows, evenly filled
// (80 channels on AVX-512 become 48 + 48 rather than 64 + 16).
struct Blocks {
  int64_t vectors, block, count;
};

Blocks channel_blocks(int64_t channels) {
  const ConvKernels& k = kernels();
  const int64_t vecs = std::max<int64_t>(1, (channels + k.width - 1) / k.width);
  const int64_t count = (vecs + k.max_vectors - 1) / k.max_vectors;
  const int64_t vectors = (vecs + count - 1) / count;
  return {vectors, vectors * k.width, count};
}

// Judged with AVX-512's widest block (64 channels) on every ISA, so that all paths pick the same algorithm.
bool direct_fits(const RowConv& c, int64_t slots) {
  const int64_t k = c.kh * c.kw * c.in_c;
  return k * std::min<int64_t>(c.out_c, 64) * int64_t(sizeof(float)) <= kDirectBytes &&
         slots * row_padding(c).row_floats(c) <= kMaxRingFloats;
}

bool pointwise(const Conv2dShape& s) {
  return s.kh == 1 && s.kw == 1 && s.stride_h == 1 && s.stride_w == 1 && s.pad_top == 0 && s.pad_left == 0 &&
         s.oh == s.h && s.ow == s.w;
}

enum class Algorithm { direct, gemm, im2col, winograd };

// Winograd where winograd_pays (conv_winograd.cc) says it beats the direct kernels, or as set_winograd_mode forces.
bool use_winograd(const Conv2dShape& s, WinogradPass pass) {
  if (!winograd_geometry(s)) return false;
  switch (winograd_mode()) {
    case WinogradMode::always: return true;
    case WinogradMode::never: return false;
    default: return winograd_pays(s, pass);
  }
}

Algorithm forward_algorithm(const Conv2dShape& s) {
  if (pointwise(s)) return Algorithm::gemm;
  if (use_winograd(s, WinogradPass::forward)) return Algorithm::winograd;
  const RowConv c = forward_rows(s);
  return direct_fits(c, ring_slots(c, 1)) ? Algorithm::direct : Algorithm::im2col;
}

Algorithm backward_input_algorithm(const Conv2dShape& s) {
  if (pointwise(s)) return Algorithm::gemm;
  if (s.stride_h != 1 || s.stride_w != 1) return Algorithm::im2col;
  if (use_winograd(s, WinogradPass::backward_input)) return Algorithm::winograd;
  const RowConv c = backward_input_rows(s);
  return direct_fits(c, ring_slots(c, 1)) ? Algorithm::direct : Algorithm::im2col;
}

// Output rows per filter-gradient chunk: enough pixels to amortise loading and storing the accumulator tiles, few
// enough that the chunk's dy rows stay close (32 KiB: L1, or L2's nearest lines) while every tile sweeps them.
// Measured on the 28x28x32 -> 64 layer: 4 rows beat 2 by ~3%, 8 rows gain nothing more.
int64_t filter_chunk_rows(const Conv2dShape& s) {
  return std::clamp<int64_t>(8192 / std::max<int64_t>(1, s.ow * s.oc), 1, 8);
}

Algorithm backward_filter_algorithm(const Conv2dShape& s) {
  if (pointwise(s)) return Algorithm::gemm;
  if (use_winograd(s, WinogradPass::backward_filter)) return Algorithm::winograd;
  const RowConv c = forward_rows(s);
  const int64_t k = s.kh * s.kw * s.c;
  const bool fits = k * s.oc * int64_t(sizeof(float)) <= kDirectBytes &&
                    ring_slots(c, filter_chunk_rows(s)) * row_padding(c).row_floats(c) <= kMaxRingFloats;
  return fits ? Algorithm::direct : Algorithm::im2col;
}

const char* algorithm_name(Algorithm a) {
  switch (a) {
    case Algorithm::direct: return "direct";
    case Algorithm::gemm: return "gemm";
    case Algorithm::winograd: return "winograd";
    default: return "im2col";
  }
}

// packed[b][r][j] = source(r, b * block + j) for the `cols` real columns, zero in the padding of the last block.
template <typename Source>
void pack_blocks(int64_t rows, int64_t cols, const Blocks& b, Source source, float* packed) {
  for (int64_t blk = 0; blk < b.count; ++blk)
    for (int64_t r = 0; r < rows; ++r) {
      float* dst = packed + (blk * rows + r) * b.block;
      for (int64_t j = 0; j < b.block; ++j) {
        const int64_t col = blk * b.block + j;
        dst[j] = col < cols ? source(r, col) : 0.0f;
      }
    }
}

// Packed weights, then the bias padded to whole blocks, in the conv_aux workspace (the GEMM owns the gemm_* slots).
struct PackedWeights {
  const float* weights;
  const float* bias;
  Blocks blocks;
};

// Whether tiles that vectorise along the kernel window (the forward's dot products, the filter gradient's
// few-channel tiles) use the vector lanes better than those that vectorise along output channels: the former fill
// them with a segment of the window (kw * in_c values with dilation 1, in_c otherwise), the latter with out_c.
bool window_tiles(const RowConv& c) {
  const int64_t width = kernels().width;
  if (c.out_c > 4) return false;
  const int64_t segment = c.dil_w == 1 ? c.kw * c.in_c : c.in_c;
  auto fill = [&](int64_t n) { return double(n) / double((n + width - 1) / width * width); };
  return segment > 0 && fill(segment) > fill(c.out_c);
}

// packed[o][r] = source(r, o): the dot-product tiles' layout (each output channel's window contiguous).
template <typename Source>
PackedWeights pack_dot(int64_t rows, int64_t cols, Source source, const float* bias) {
  float* buf = workspace(WorkspaceSlot::conv_aux, static_cast<size_t>(std::max<int64_t>(1, rows * cols)));
  for (int64_t o = 0; o < cols; ++o)
    for (int64_t r = 0; r < rows; ++r) buf[o * rows + r] = source(r, o);
  return {buf, bias, {0, 0, 0}};
}

PackedWeights pack_forward(const Conv2dShape& s, const float* w, const float* bias) {
  const int64_t k = s.kh * s.kw * s.c;
  if (window_tiles(forward_rows(s)))
    return pack_dot(k, s.oc, [&](int64_t r, int64_t col) { return w[r * s.oc + col]; }, bias);
  const Blocks b = channel_blocks(s.oc);
  float* buf = workspace(WorkspaceSlot::conv_aux, static_cast<size_t>(b.count * b.block * (k + 1)));
  pack_blocks(k, s.oc, b, [&](int64_t r, int64_t col) { return w[r * s.oc + col]; }, buf);
  float* padded_bias = nullptr;
  if (bias) {
    padded_bias = buf + b.count * b.block * k;
    for (int64_t j = 0; j < b.count * b.block; ++j) padded_bias[j] = j < s.oc ? bias[j] : 0.0f;
  }
  return {buf, padded_bias, b};
}

// Rows of the backward-input convolution's kernel: r = (i' * kw + j') * oc + o reads w[kh-1-i', kw-1-j', c, o].
PackedWeights pack_backward_input(const Conv2dShape& s, const float* w) {
  const int64_t k = s.kh * s.kw * s.oc;
  auto source = [&](int64_t r, int64_t col) {
    const int64_t o = r % s.oc, tap = r / s.oc, i = s.kh - 1 - tap / s.kw, j = s.kw - 1 - tap % s.kw;
    return w[((i * s.kw + j) * s.c + col) * s.oc + o];
  };
  if (window_tiles(backward_input_rows(s))) return pack_dot(k, s.c, source, nullptr);
  const Blocks b = channel_blocks(s.c);
  float* buf = workspace(WorkspaceSlot::conv_aux, static_cast<size_t>(b.count * b.block * k));
  pack_blocks(k, s.c, b, source, buf);
  return {buf, nullptr, b};
}

DirectForward direct_forward_args(const RowConv& c, const PackedWeights& p, UnaryOp activation, float alpha) {
  return {c.in_c, c.kh, c.kw, c.stride_w * c.in_c, c.dil_w * c.in_c, c.pad_left * c.in_c, c.in_w * c.in_c,
          c.out_w, c.out_c, p.weights, p.blocks.vectors, p.bias, activation, alpha};
}

// `x_act` folds an activation gradient into the input rows (backward-input reads dy through it).
void direct_forward(const RowConv& c, const float* x, const PackedWeights& p, UnaryOp activation, float alpha,
                    float* y, const OutputActivation& x_act = OutputActivation()) {
  const ConvKernels& k = kernels();
  const DirectForward d = direct_forward_args(c, p, activation, alpha);
  const RowPadding pad = row_padding(c);
  const int64_t slots = ring_slots(c, 1);
  const int64_t ring_floats = InputRows::ring_floats(c, pad, slots, x_act);
  const int64_t units = c.n * c.out_h;
  const int threads = team_size(units, c.macs(), kMacsPerThread);
  float* ring = ring_floats ? workspace(WorkspaceSlot::im2col, static_cast<size_t>(threads * ring_floats)) : nullptr;
  run_team(threads, units, [&](int t, int64_t u0, int64_t u1) {
    InputRows in(c, pad, x, ring ? ring + t * ring_floats : nullptr, slots, x_act);
    std::vector<const float*> rows(static_cast<size_t>(c.kh));
    for (int64_t u = u0; u < u1; ++u) {
      const int64_t n = u / c.out_h, oh = u % c.out_h;
      for (int64_t i = 0; i < c.kh; ++i) rows[i] = in.get(n, oh * c.stride_h - c.pad_top + i * c.dil_h);
      k.forward_row(d, rows.data(), y + u * c.out_w * c.out_c);
    }
  });
}

// Per-thread partial sums of dw and dbias, added up at the end (a single thread writes dw directly). With an
// activation, each chunk's dz rows are computed into per-thread scratch (L1-sized) right before the chunk's tiles.
void direct_backward_filter(const Conv2dShape& s, const float* x, const float* dy, float* dw, float* dbias,
                            const OutputActivation& act) {
  const ConvKernels& k = kernels();
  const RowConv c = forward_rows(s);
  const int64_t kk = s.kh * s.kw * s.c, chunk = filter_chunk_rows(s);
  const DirectFilter f{s.c, s.kh, s.kw, s.stride_w * s.c, s.dilation_w * s.c, s.pad_left * s.c, s.w * s.c,
                       s.ow, s.oc, window_tiles(c) ? 0 : channel_blocks(s.oc).vectors};
  const RowPadding pad = row_padding(c);
  const int64_t slots = ring_slots(c, chunk);
  const int64_t ring_floats = InputRows::ring_floats(c, pad, slots, OutputActivation());
  const int64_t dz_floats = act.y ? round_up(chunk * s.ow * s.oc, 16) : 0;
  const int64_t sums_floats = round_up(kk * s.oc + s.oc, 16);
  const int64_t units = s.n * s.oh;
  const int threads = team_size(units, c.macs(), kMacsPerThread);
  const int64_t per_thread = ring_floats + dz_floats + (threads > 1 ? sums_floats : 0);
  float* scratch = workspace(WorkspaceSlot::im2col, static_cast<size_t>(std::max<int64_t>(1, threads * per_thread)));
  if (threads <= 1) {
    std::memset(dw, 0, sizeof(float) * kk * s.oc);
    if (dbias) std::memset(dbias, 0, sizeof(float) * s.oc);
  }
  run_team(threads, units, [&](int t, int64_t u0, int64_t u1) {
    float* mine = scratch + t * per_thread;
    float* dz = mine + ring_floats;
    float* part_w = dw;
    float* part_b = dbias;
    if (threads > 1) {
      part_w = dz + dz_floats;
      part_b = dbias ? part_w + kk * s.oc : nullptr;
      std::memset(part_w, 0, sizeof(float) * (kk * s.oc + s.oc));
    }
    InputRows in(c, pad, x, ring_floats ? mine : nullptr, slots);
    std::vector<const float*> rows(static_cast<size_t>(chunk * s.kh));
    std::vector<const float*> dy_rows(static_cast<size_t>(chunk));
    for (int64_t u = u0; u < u1;) {
      // A chunk stays within one image, so that its input rows are consecutive rows of that image.
      const int64_t n = u / s.oh, oh0 = u % s.oh;
      const int64_t count = std::min({chunk, u1 - u, s.oh - oh0});
      for (int64_t r = 0; r < count; ++r) {
        const int64_t oh = oh0 + r;
        for (int64_t i = 0; i < s.kh; ++i)
          rows[r * s.kh + i] = in.get(n, oh * s.stride_h - s.pad_top + i * s.dilation_h);
        dy_rows[r] = dy + (u + r) * s.ow * s.oc;
      }
      if (act.y) {
        const int64_t len = count * s.ow * s.oc, at = u * s.ow * s.oc;
        k.activation_grad(act.activation, act.y + at, act.y + at, dy + at, dz, len, act.alpha);
        for (int64_t r = 0; r < count; ++r) dy_rows[r] = dz + r * s.ow * s.oc;
      }
      k.filter_rows(f, rows.data(), dy_rows.data(), count, part_w, part_b);
      u += count;
    }
  });
  if (threads > 1) {
    // Each thread's partial sums are [dw | dbias], at the same offset of its scratch.
    const int64_t at = ring_floats + dz_floats, len = kk * s.oc;
    std::memcpy(dw, scratch + at, sizeof(float) * len);
    if (dbias) std::memcpy(dbias, scratch + at + len, sizeof(float) * s.oc);
    for (int t = 1; t < threads; ++t) {
      const float* part = scratch + t * per_thread + at;
#pragma omp simd
      for (int64_t e = 0; e < len; ++e) dw[e] += part[e];
      if (dbias)
        for (int64_t o = 0; o < s.oc; ++o) dbias[o] += part[len + o];
    }
  }
}

// dz = dy * act'(y) in full, for the GEMM paths (they have no row loop to fold it into). conv_aux is free there.
const float* materialise_activation_grad(const Conv2dShape& s, const float* dy, const OutputActivation& act) {
  if (!act.y) return dy;
  const int64_t total = s.n * s.oh * s.ow * s.oc;
  float* dz = workspace(WorkspaceSlot::conv_aux, static_cast<size_t>(total));
  unary_grad(act.activation, act.y, act.y, dy, dz, total, act.alpha);
  return dz;
}

// out[o] = sum over rows of a[r * cols + o]: the bias gradient when no direct kernel computes it on the way.
void column_sums(const float* a, int64_t rows, int64_t cols, float* out) {
  const int threads = team_size(rows, rows * cols, kParallelGrain);
  std::vector<float> partial(static_cast<size_t>(threads * cols), 0.0f);
  run_team(threads, rows, [&](int t, int64_t r0, int64_t r1) {
    float* p = partial.data() + t * cols;
    for (int64_t r = r0; r < r1; ++r) {
      const float* row = a + r * cols;
#pragma omp simd
      for (int64_t o = 0; o < cols; ++o) p[o] += row[o];
    }
  });
  for (int64_t o = 0; o < cols; ++o) {
    float sum = 0.0f;
    for (int t = 0; t < threads; ++t) sum += partial[t * cols + o];
    out[o] = sum;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// im2col + GEMM, for shapes whose weights are too large for the direct kernels (and backward-input with strides).

// Rows of the im2col matrix processed per chunk, to keep the workspace within a few MiB.
int64_t chunk_rows(const Conv2dShape& s) {
  const int64_t k = s.kh * s.kw * s.c;
  const int64_t budget = (int64_t(4) << 20) / static_cast<int64_t>(sizeof(float));
  int64_t rows = std::max<int64_t>(1, budget / std::max<int64_t>(1, k));
  const int64_t total = s.n * s.oh * s.ow;
  return std::min(rows, total);
}

}  // namespace

// Outside the anonymous namespace: the bfloat16 convolutions (conv_bf16.cc) build on im2col and col2im_add too.
// col[r, (i*kw + j)*c + ch] for output rows r in [r0, r1) (r indexes n, oh, ow), zero where the window leaves the image.
void im2col(const Conv2dShape& s, const float* x, int64_t r0, int64_t r1, float* col) {
  const int64_t k = s.kh * s.kw * s.c;
  parallel_for(r1 - r0, k, [&](int64_t a, int64_t b) {
    for (int64_t r = r0 + a; r < r0 + b; ++r) {
      const int64_t n = r / (s.oh * s.ow), rem = r % (s.oh * s.ow), oh = rem / s.ow, ow = rem % s.ow;
      float* dst = col + (r - r0) * k;
      for (int64_t i = 0; i < s.kh; ++i) {
        const int64_t h = oh * s.stride_h - s.pad_top + i * s.dilation_h;
        for (int64_t j = 0; j < s.kw; ++j) {
          const int64_t w = ow * s.stride_w - s.pad_left + j * s.dilation_w;
          float* d = dst + (i * s.kw + j) * s.c;
          if (h < 0 || h >= s.h || w < 0 || w >= s.w) {
            std::memset(d, 0, sizeof(float) * s.c);
          } else {
            std::memcpy(d, x + ((n * s.h + h) * s.w + w) * s.c, sizeof(float) * s.c);
          }
        }
      }
    }
  });
}

// The adjoint of im2col: dx[n, h, w, ch] += dcol[r, ...] for every window position that reads it.
// Rows of one image may overlap, so threads split by image.
void col2im_add(const Conv2dShape& s, const float* dcol, int64_t r0, int64_t r1, float* dx) {
  const int64_t k = s.kh * s.kw * s.c, per_image = s.oh * s.ow;
  const int64_t n0 = r0 / per_image, n1 = (r1 + per_image - 1) / per_image;
  parallel_for(n1 - n0, per_image * k, [&](int64_t a, int64_t b) {
    for (int64_t n = n0 + a; n < n0 + b; ++n) {
      const int64_t rb = std::max(r0, n * per_image), re = std::min(r1, (n + 1) * per_image);
      for (int64_t r = rb; r < re; ++r) {
        const int64_t rem = r % per_image, oh = rem / s.ow, ow = rem % s.ow;
        const float* src = dcol + (r - r0) * k;
        for (int64_t i = 0; i < s.kh; ++i) {
          const int64_t h = oh * s.stride_h - s.pad_top + i * s.dilation_h;
          if (h < 0 || h >= s.h) continue;
          for (int64_t j = 0; j < s.kw; ++j) {
            const int64_t w = ow * s.stride_w - s.pad_left + j * s.dilation_w;
            if (w < 0 || w >= s.w) continue;
            float* d = dx + ((n * s.h + h) * s.w + w) * s.c;
            const float* g = src + (i * s.kw + j) * s.c;
#pragma omp simd
            for (int64_t ch = 0; ch < s.c; ++ch) d[ch] += g[ch];
          }
        }
      }
    }
  });
}

namespace {

void im2col_forward(const Conv2dShape& s, const float* x, const float* w, const GemmEpilogue& ep, float* y) {
  const int64_t k = s.kh * s.kw * s.c, total = s.n * s.oh * s.ow;
  const int64_t rows = chunk_rows(s);
  float* col = workspace(WorkspaceSlot::im2col, static_cast<size_t>(rows * k));
  for (int64_t r0 = 0; r0 < total; r0 += rows) {
    const int64_t r1 = std::min(total, r0 + rows);
    im2col(s, x, r0, r1, col);
    sgemm(false, false, r1 - r0, s.oc, k, col, k, w, s.oc, 0.0f, y + r0 * s.oc, s.oc, ep);
  }
}

void im2col_backward_input(const Conv2dShape& s, const float* dy, const float* w, float* dx) {
  const int64_t k = s.kh * s.kw * s.c, total = s.n * s.oh * s.ow;
  std::memset(dx, 0, sizeof(float) * s.n * s.h * s.w * s.c);
  const int64_t rows = chunk_rows(s);
  float* dcol = workspace(WorkspaceSlot::im2col, static_cast<size_t>(rows * k));
  for (int64_t r0 = 0; r0 < total; r0 += rows) {
    const int64_t r1 = std::min(total, r0 + rows);
    sgemm(false, true, r1 - r0, k, s.oc, dy + r0 * s.oc, s.oc, w, s.oc, 0.0f, dcol, k);
    col2im_add(s, dcol, r0, r1, dx);
  }
}

void im2col_backward_filter(const Conv2dShape& s, const float* x, const float* dy, float* dw) {
  const int64_t k = s.kh * s.kw * s.c, total = s.n * s.oh * s.ow;
  const int64_t rows = chunk_rows(s);
  float* col = workspace(WorkspaceSlot::im2col, static_cast<size_t>(rows * k));
  if (total == 0) std::memset(dw, 0, sizeof(float) * k * s.oc);
  for (int64_t r0 = 0; r0 < total; r0 += rows) {
    const int64_t r1 = std::min(total, r0 + rows);
    im2col(s, x, r0, r1, col);
    sgemm(true, false, k, s.oc, r1 - r0, col, k, dy + r0 * s.oc, s.oc, r0 == 0 ? 0.0f : 1.0f, dw, s.oc);
  }
}

}  // namespace

bool conv2d_activation_grad_from_output(UnaryOp activation, float alpha) {
  switch (activation) {
    case UnaryOp::linear: case UnaryOp::relu: case UnaryOp::relu6: case UnaryOp::sigmoid: case UnaryOp::tanh:
    case UnaryOp::selu:
      return true;
    case UnaryOp::leaky_relu: case UnaryOp::elu:  // the sign of y is the sign of z only for a positive alpha
      return alpha > 0.0f;
    default:
      return false;
  }
}

Conv2dPlan conv2d_plan(const Conv2dShape& s) {
  return {algorithm_name(forward_algorithm(s)), algorithm_name(backward_input_algorithm(s)),
          algorithm_name(backward_filter_algorithm(s))};
}

void conv2d_forward(const Conv2dShape& s, const float* x, const float* w, const float* bias, UnaryOp activation,
                    float alpha, float* y) {
  if (s.n * s.oh * s.ow * s.oc == 0) return;
  GemmEpilogue ep;
  ep.bias = bias;
  ep.activation = activation;
  ep.alpha = alpha;
  switch (forward_algorithm(s)) {
    case Algorithm::gemm:
      sgemm(false, false, s.n * s.h * s.w, s.oc, s.c, x, s.c, w, s.oc, 0.0f, y, s.oc, ep);
      break;
    case Algorithm::direct:
      direct_forward(forward_rows(s), x, pack_forward(s, w, bias), activation, alpha, y);
      break;
    case Algorithm::im2col:
      im2col_forward(s, x, w, ep, y);
      break;
    case Algorithm::winograd:
      winograd_forward(s, x, w, bias, activation, alpha, y);
      break;
  }
}

void conv2d_backward_input(const Conv2dShape& s, const float* dy, const float* w, float* dx,
                           const OutputActivation& act) {
  if (s.n * s.h * s.w * s.c == 0) return;
  if (s.oh * s.ow * s.oc == 0) {
    std::memset(dx, 0, sizeof(float) * s.n * s.h * s.w * s.c);
    return;
  }
  switch (backward_input_algorithm(s)) {
    case Algorithm::gemm:
      sgemm(false, true, s.n * s.h * s.w, s.c, s.oc, materialise_activation_grad(s, dy, act), s.oc, w, s.oc, 0.0f,
            dx, s.c);
      break;
    case Algorithm::direct:
      direct_forward(backward_input_rows(s), dy, pack_backward_input(s, w), UnaryOp::linear, 0.0f, dx, act);
      break;
    case Algorithm::im2col:
      im2col_backward_input(s, materialise_activation_grad(s, dy, act), w, dx);
      break;
    case Algorithm::winograd:
      winograd_backward_input(s, materialise_activation_grad(s, dy, act), w, dx);
      break;
  }
}

void conv2d_backward_filter(const Conv2dShape& s, const float* x, const float* dy, float* dw, float* dbias,
                            const OutputActivation& act) {
  const int64_t k = s.kh * s.kw * s.c, total = s.n * s.oh * s.ow;
  if (k * s.oc == 0 && !dbias) return;
  if (total == 0 || s.oc == 0) {
    std::memset(dw, 0, sizeof(float) * k * s.oc);
    if (dbias) std::memset(dbias, 0, sizeof(float) * s.oc);
    return;
  }
  switch (backward_filter_algorithm(s)) {
    case Algorithm::gemm: {
      const float* dz = materialise_activation_grad(s, dy, act);
      sgemm(true, false, s.c, s.oc, total, x, s.c, dz, s.oc, 0.0f, dw, s.oc);
      if (dbias) column_sums(dz, total, s.oc, dbias);
      break;
    }
    case Algorithm::direct:
      direct_backward_filter(s, x, dy, dw, dbias, act);
      break;
    case Algorithm::winograd:
      winograd_backward_filter(s, x, dy, act, dw, dbias);
      break;
    case Algorithm::im2col: {
      const float* dz = materialise_activation_grad(s, dy, act);
      im2col_backward_filter(s, x, dz, dw);
      if (dbias) column_sums(dz, total, s.oc, dbias);
      break;
    }
  }
}

namespace {

// The convolution as the fused conv + pool passes compute it: only the rows and columns some window covers (a
// trailing odd row or column is never computed, and gets no gradient).
RowConv pooled_conv_rows(const Conv2dShape& s, int64_t pool_w) {
  RowConv c = forward_rows(s);
  c.out_w = s.ow / pool_w * pool_w;
  return c;
}

// relu(conv(x, w) + bias), handed to pool(conv_rows, row_stride, u) pool_h rows at a time for each pooled row u
// (u indexes n and the pooled row). With `same_as_forward`, shapes that conv2d_forward does not compute with the
// direct kernels take its path in full, so that the output equals the unfused one exactly (the arithmetic differs).
template <typename Pool>
void conv_relu_pool(const Conv2dShape& s, const float* x, const float* w, const float* bias, int64_t pool_h,
                    int64_t pool_w, bool same_as_forward, Pool pool) {
  const int64_t ph_out = s.oh / pool_h, pw_out = s.ow / pool_w;
  const int64_t units = s.n * ph_out;
  if (units * pw_out * s.oc == 0) return;
  const ConvKernels& k = kernels();
  const RowConv c = pooled_conv_rows(s, pool_w);
  const RowPadding pad = row_padding(c);
  const int64_t slots = ring_slots(c, pool_h);
  // Padded rows too wide for the ring (they come only from enormous dilations or paddings), and with
  // same_as_forward the shapes conv2d_forward computes another way, go through conv2d_forward in full. So does
  // inference where conv2d_forward would take Winograd (its tiles do not come out a row at a time) while the whole
  // output stays cache-sized: measured (one thread, best of 8-30 calls) Winograd then pooling took 0.74-0.81x the
  // fused direct pass's time at batch 32 of the CIFAR-style CNN's layers (3.7 and 1.4 MB of output), but 1.0-1.16x at
  // batch 256 (29 and 11 MB), where writing and reading back the full output costs what Winograd saves. 2x2 windows
  // never come here with Winograd: they pool inside its output transform (winograd_pooled).
  const Algorithm full = forward_algorithm(s);
  const bool winograd_then_pool = full == Algorithm::winograd &&
                                  s.n * s.oh * s.ow * s.oc * int64_t(sizeof(float)) <= (int64_t(8) << 20);
  if (slots * pad.row_floats(c) > kMaxRingFloats || (same_as_forward && full != Algorithm::direct) ||
      winograd_then_pool) {
    float* full = workspace(WorkspaceSlot::conv_pool, static_cast<size_t>(s.n * s.oh * s.ow * s.oc));
    conv2d_forward(s, x, w, bias, UnaryOp::relu, 0.0f, full);
    const int threads = team_size(units, units * pool_h * c.out_w * s.oc, kParallelGrain);
    run_team(threads, units, [&](int, int64_t u0, int64_t u1) {
      for (int64_t u = u0; u < u1; ++u) {
        const int64_t n = u / ph_out, oh = (u % ph_out) * pool_h;
        pool(full + (n * s.oh + oh) * s.ow * s.oc, s.ow * s.oc, u);
      }
    });
    return;
  }
  const PackedWeights p = pack_forward(s, w, bias);
  const DirectForward d = direct_forward_args(c, p, UnaryOp::relu, 0.0f);
  const int64_t ring_floats = InputRows::ring_floats(c, pad, slots, OutputActivation());
  const int64_t row_floats = c.out_w * s.oc;
  const int64_t per_thread = ring_floats + round_up(pool_h * row_floats, 16);
  const int threads = team_size(units, units * pool_h * row_floats * s.kh * s.kw * s.c, kMacsPerThread);
  float* scratch = workspace(WorkspaceSlot::im2col, static_cast<size_t>(threads * per_thread));
  run_team(threads, units, [&](int t, int64_t u0, int64_t u1) {
    float* mine = scratch + t * per_thread;
    float* conv_rows = mine + ring_floats;
    InputRows in(c, pad, x, ring_floats ? mine : nullptr, slots);
    std::vector<const float*> rows(static_cast<size_t>(s.kh));
    for (int64_t u = u0; u < u1; ++u) {
      const int64_t n = u / ph_out, p_row = u % ph_out;
      for (int64_t a = 0; a < pool_h; ++a) {
        const int64_t oh = p_row * pool_h + a;
        for (int64_t i = 0; i < s.kh; ++i) rows[i] = in.get(n, oh * s.stride_h - s.pad_top + i * s.dilation_h);
        k.forward_row(d, rows.data(), conv_rows + a * row_floats);
      }
      pool(conv_rows, row_floats, u);
    }
  });
}

// dz, the gradient of the full convolution output [n, oh, ow, oc], into the conv_pool workspace: relu's gradient of
// dy at the positions argmax names, zero elsewhere. For the unfused kernels, which take dz as a tensor.
const float* materialise_pooled_grad(const Conv2dShape& s, const float* dy, const float* y, const uint8_t* argmax,
                                     int64_t pool_h, int64_t pool_w) {
  const ConvKernels& k = kernels();
  const int64_t ph_out = s.oh / pool_h, pw_out = s.ow / pool_w;
  const int64_t row = s.ow * s.oc, covered = pw_out * pool_w * s.oc;
  float* dz = workspace(WorkspaceSlot::conv_pool, static_cast<size_t>(std::max<int64_t>(1, s.n * s.oh * row)));
  if (ph_out * pw_out == 0) {
    std::memset(dz, 0, sizeof(float) * s.n * s.oh * row);
    return dz;
  }
  // Each pooled row u writes its pool_h convolution rows; the last one of an image also zeroes the rows below.
  const int64_t units = s.n * ph_out;
  run_team(team_size(units, s.n * s.oh * row, kParallelGrain), units, [&](int, int64_t u0, int64_t u1) {
    for (int64_t u = u0; u < u1; ++u) {
      const int64_t n = u / ph_out, p = u % ph_out;
      float* rows = dz + (n * s.oh + p * pool_h) * row;
      const int64_t at = u * pw_out * s.oc;
      k.unpool_relu_grad_rows(dy + at, y + at, argmax + at, pool_h, pool_w, pw_out, s.oc, rows, row, nullptr);
      if (covered < row)
        for (int64_t a = 0; a < pool_h; ++a) std::memset(rows + a * row + covered, 0, sizeof(float) * (row - covered));
      if (p == ph_out - 1 && ph_out * pool_h < s.oh)
        std::memset(rows + pool_h * row, 0, sizeof(float) * (s.oh - ph_out * pool_h) * row);
    }
  });
  return dz;
}

// dx by scattering: per pooled pixel, the output channels with a nonzero dz are grouped by the window position their
// argmax names, and each group's sum of dz[o] * kernel[:, :, :, o] is added to the input pixels that position's
// taps read (ConvKernels::scatter_input_grad). That is a quarter of the dense input gradient's products for 2x2
// pooling, fewer still where relu is flat, and no dz in memory; but each product loads its own kernel vector, where
// the dense kernels reuse one across a tile of pixels. Neighbouring windows add into the same input pixels, so
// threads split images; within an image the order of the sums is fixed. A zero dz is skipped (its products are
// zeros unless the kernel holds an infinity or NaN).
void pooled_input_gradient(const Conv2dShape& s, const float* w, const float* dy, const float* y,
                           const uint8_t* argmax, int64_t pool_h, int64_t pool_w, float* dx) {
  const ConvKernels& k = kernels();
  const int64_t ph_out = s.oh / pool_h, pw_out = s.ow / pool_w;
  const int64_t taps = s.kh * s.kw, positions = pool_h * pool_w;
  const int64_t c_pad = round_up(s.c, k.width), row = taps * c_pad;
  // packed[o][t][ch] = w[t][ch][o]: each output channel's kernel slice contiguous over taps and input channels.
  float* packed = workspace(WorkspaceSlot::conv_aux, static_cast<size_t>(std::max<int64_t>(1, s.oc * row)));
  for (int64_t o = 0; o < s.oc; ++o)
    for (int64_t t = 0; t < taps; ++t) {
      float* dst = packed + o * row + t * c_pad;
      for (int64_t ch = 0; ch < c_pad; ++ch) dst[ch] = ch < s.c ? w[(t * s.c + ch) * s.oc + o] : 0.0f;
    }
  const int64_t image = s.h * s.w * s.c;
  const int threads = team_size(s.n, s.n * ph_out * pw_out * s.oc * row, kMacsPerThread);
  run_team(threads, s.n, [&](int, int64_t n0, int64_t n1) {
    std::memset(dx + n0 * image, 0, sizeof(float) * (n1 - n0) * image);
    std::vector<int32_t> channels(static_cast<size_t>(s.oc));
    std::vector<float> values(static_cast<size_t>(s.oc));
    std::vector<int32_t> key(static_cast<size_t>(s.oc));
    std::vector<float> dz(static_cast<size_t>(s.oc));
    std::vector<float*> tap_rows(static_cast<size_t>(taps));
    for (int64_t n = n0; n < n1; ++n)
      for (int64_t p = 0; p < ph_out; ++p)
        for (int64_t q = 0; q < pw_out; ++q) {
          const int64_t at = ((n * ph_out + p) * pw_out + q) * s.oc;
          // Each channel's position, or none (-1) where dz is exactly zero (relu flat, or dy 0): it carries nothing.
          for (int64_t o = 0; o < s.oc; ++o) {
            const float g = dy[at + o];
            dz[o] = y[at + o] > 0.0f ? g : 0.0f * g;
            key[o] = dz[o] != 0.0f && argmax[at + o] < positions ? argmax[at + o] : -1;
          }
          for (int64_t pos = 0; pos < positions; ++pos) {
            // Branchless compaction: a counting sort's counters would chain stores to loads.
            int64_t count = 0;
            for (int64_t o = 0; o < s.oc; ++o) {
              channels[count] = static_cast<int32_t>(o);
              values[count] = dz[o];
              count += key[o] == pos;
            }
            if (count == 0) continue;
            const int64_t oh = p * pool_h + pos / pool_w, ow = q * pool_w + pos % pool_w;
            for (int64_t i = 0; i < s.kh; ++i)
              for (int64_t j = 0; j < s.kw; ++j) {
                const int64_t ih = oh * s.stride_h - s.pad_top + i * s.dilation_h;
                const int64_t iw = ow * s.stride_w - s.pad_left + j * s.dilation_w;
                const bool inside = ih >= 0 && ih < s.h && iw >= 0 && iw < s.w;
                tap_rows[i * s.kw + j] = inside ? dx + ((n * s.h + ih) * s.w + iw) * s.c : nullptr;
              }
            k.scatter_input_grad(packed, row, c_pad / k.width, s.c, channels.data(), values.data(), count,
                                 tap_rows.data());
          }
        }
  });
}

// Where scattering beats materialising dz for conv2d_backward_input, measured with 3x3 kernels, 2x2 pooling and 2
// threads (AVX-512 / AVX2): 1.0x / 1.5x faster at 32x14x14x32 -> 64 'same', 1.5x / 2.1x at 32x13x13x32 -> 64
// 'valid', 1.7x / 2.2x at 8x16x16x128 -> 128; but 1.6x / 1.1x slower at 32x28x28x16 -> 32, and 3-7x slower with 1
// or 3 input channels, whose vectors are mostly padding. A 1x1 kernel is one GEMM unfused; fewer images than threads
// would leave threads idle. Where the unfused input gradient takes Winograd, that beats scattering up to 64 channels
// (2 threads, batch 32: 1.26x at 32x32x32 -> 32 'valid', 1.32x at 26x26x32 -> 64, level at 15x15x64 -> 64 and
// 8x8x64 -> 64; 1.3-1.7x on one thread) but not at 8x16x16x128 -> 128 (0.75x; 2026-12-06).
bool scatter_input_gradient(const Conv2dShape& s) {
  if (backward_input_algorithm(s) == Algorithm::winograd && s.c < 128) return false;
  return s.c >= 32 && s.kh * s.kw > 1 && s.n >= max_threads();
}

// Pooled rows per filter-gradient chunk: about as many convolution rows as the unfused kernel's chunks hold.
int64_t pooled_chunk_rows(const Conv2dShape& s, int64_t pool_h) {
  return std::max<int64_t>(1, filter_chunk_rows(s) / pool_h);
}

bool pooled_filter_direct(const Conv2dShape& s, int64_t pool_h, int64_t pool_w) {
  if (backward_filter_algorithm(s) != Algorithm::direct) return false;
  const RowConv c = pooled_conv_rows(s, pool_w);
  return ring_slots(c, pooled_chunk_rows(s, pool_h) * pool_h) * row_padding(c).row_floats(c) <= kMaxRingFloats;
}

// The direct filter gradient of dz without dz in memory: each chunk of pooled rows unpools into the pool_h * chunk
// rows of dz it covers (per-thread scratch that stays in L1), which the unfused kernel's row tiles then read; the
// bias gradient is summed on the way, from the pooled values (a quarter of dz's for 2x2 pooling). Threads sum into
// private partial buffers, added in thread order at the end.
void pooled_filter_gradient(const Conv2dShape& s, const float* x, const float* dy, const float* y,
                            const uint8_t* argmax, int64_t pool_h, int64_t pool_w, float* dw, float* dbias) {
  const ConvKernels& k = kernels();
  const int64_t ph_out = s.oh / pool_h, pw_out = s.ow / pool_w;
  const int64_t kk = s.kh * s.kw * s.c;
  const RowConv c = pooled_conv_rows(s, pool_w);
  const int64_t chunk = pooled_chunk_rows(s, pool_h);
  const DirectFilter f{s.c, s.kh, s.kw, s.stride_w * s.c, s.dilation_w * s.c, s.pad_left * s.c, s.w * s.c,
                       c.out_w, s.oc, window_tiles(c) ? 0 : channel_blocks(s.oc).vectors};
  const RowPadding pad = row_padding(c);
  const int64_t slots = ring_slots(c, chunk * pool_h);
  const int64_t ring_floats = InputRows::ring_floats(c, pad, slots, OutputActivation());
  const int64_t row_floats = c.out_w * s.oc;
  const int64_t dz_floats = round_up(chunk * pool_h * row_floats, 16);
  const int64_t sums_floats = round_up(kk * s.oc + s.oc, 16);
  const int64_t units = s.n * ph_out;
  const int threads = team_size(units, units * pool_h * row_floats * kk, kMacsPerThread);
  const int64_t per_thread = ring_floats + dz_floats + (threads > 1 ? sums_floats : 0);
  float* scratch = workspace(WorkspaceSlot::im2col, static_cast<size_t>(threads * per_thread));
  const int64_t sums_at = ring_floats + dz_floats;
  if (threads > 1) {
    // Zeroed here rather than by each thread: a thread the runtime does not grant then adds zeros.
    for (int t = 0; t < threads; ++t)
      std::memset(scratch + t * per_thread + sums_at, 0, sizeof(float) * (kk * s.oc + s.oc));
  } else {
    std::memset(dw, 0, sizeof(float) * kk * s.oc);
    if (dbias) std::memset(dbias, 0, sizeof(float) * s.oc);
  }
  run_team(threads, units, [&](int t, int64_t u0, int64_t u1) {
    float* mine = scratch + t * per_thread;
    float* dz = mine + ring_floats;
    float* part_w = threads > 1 ? mine + sums_at : dw;
    float* part_b = !dbias ? nullptr : threads > 1 ? part_w + kk * s.oc : dbias;
    InputRows in(c, pad, x, ring_floats ? mine : nullptr, slots);
    std::vector<const float*> rows(static_cast<size_t>(chunk * pool_h * s.kh));
    std::vector<const float*> dz_rows(static_cast<size_t>(chunk * pool_h));
    for (int64_t u = u0; u < u1;) {
      // A chunk stays within one image, so that its input rows are consecutive rows of that image.
      const int64_t n = u / ph_out, p0 = u % ph_out;
      const int64_t count = std::min({chunk, u1 - u, ph_out - p0});
      for (int64_t r = 0; r < count; ++r) {
        const int64_t at = (u + r) * pw_out * s.oc;
        float* block = dz + r * pool_h * row_floats;
        k.unpool_relu_grad_rows(dy + at, y + at, argmax + at, pool_h, pool_w, pw_out, s.oc, block, row_floats,
                                part_b);
        for (int64_t a = 0; a < pool_h; ++a) {
          const int64_t rr = r * pool_h + a, oh = (p0 + r) * pool_h + a;
          for (int64_t i = 0; i < s.kh; ++i)
            rows[rr * s.kh + i] = in.get(n, oh * s.stride_h - s.pad_top + i * s.dilation_h);
          dz_rows[rr] = block + a * row_floats;
        }
      }
      k.filter_rows(f, rows.data(), dz_rows.data(), count * pool_h, part_w, nullptr);
      u += count;
    }
  });
  if (threads > 1) {
    const int64_t len = kk * s.oc;
    std::memcpy(dw, scratch + sums_at, sizeof(float) * len);
    if (dbias) std::memcpy(dbias, scratch + sums_at + len, sizeof(float) * s.oc);
    for (int t = 1; t < threads; ++t) {
      const float* part = scratch + t * per_thread + sums_at;
#pragma omp simd
      for (int64_t e = 0; e < len; ++e) dw[e] += part[e];
      if (dbias)
        for (int64_t o = 0; o < s.oc; ++o) dbias[o] += part[len + o];
    }
  }
}

// dbias alone: the sum over pooled pixels of relu's gradient of dy (the positions argmax names carry all of dz).
void pooled_bias_gradient(const Conv2dShape& s, const float* dy, const float* y, int64_t pool_h, int64_t pool_w,
                          float* dbias) {
  const int64_t pixels = s.n * (s.oh / pool_h) * (s.ow / pool_w), oc = s.oc;
  const int threads = team_size(pixels, pixels * oc, kParallelGrain);
  std::vector<float> partial(static_cast<size_t>(threads * oc), 0.0f);
  run_team(threads, pixels, [&](int t, int64_t r0, int64_t r1) {
    float* p = partial.data() + t * oc;
    for (int64_t r = r0; r < r1; ++r) {
      const float* g = dy + r * oc;
      const float* yv = y + r * oc;
#pragma omp simd
      for (int64_t o = 0; o < oc; ++o) p[o] += yv[o] > 0.0f ? g[o] : 0.0f * g[o];
    }
  });
  for (int64_t o = 0; o < oc; ++o) {
    float sum = 0.0f;
    for (int t = 0; t < threads; ++t) sum += partial[t * oc + o];
    dbias[o] = sum;
  }
}

// Where the forward pass takes Winograd, 2x2 windows pool inside its output transform (each 4x4 tile holds whole
// windows), so the convolution's output is never written and read back. Against the fused direct pass and Winograd
// followed by the pooling kernels: see conv2d_relu_maxpool's measurements in benchmarks/RESULTS.md ("Issue 14,
// Winograd with pooling in its output transform").
// The same holds for each pass that `algorithm` (forward_algorithm, backward_input_algorithm or
// backward_filter_algorithm of the shape) runs with Winograd.
bool winograd_pooled(Algorithm algorithm, int64_t pool_h, int64_t pool_w) {
  return pool_h == 2 && pool_w == 2 && algorithm == Algorithm::winograd;
}

}  // namespace

void conv2d_relu_maxpool(const Conv2dShape& s, const float* x, const float* w, const float* bias, int64_t pool_h,
                         int64_t pool_w, float* y) {
  if (winograd_pooled(forward_algorithm(s), pool_h, pool_w)) return winograd_forward_maxpool2(s, x, w, bias, UnaryOp::relu, 0.0f, y, nullptr);
  const ConvKernels& k = kernels();
  const int64_t pw_out = s.ow / pool_w;
  conv_relu_pool(s, x, w, bias, pool_h, pool_w, false, [&](const float* rows, int64_t stride, int64_t u) {
    k.max_pool_rows(rows, stride, pool_h, pool_w, pw_out, s.oc, y + u * pw_out * s.oc);
  });
}

void conv2d_relu_maxpool_train(const Conv2dShape& s, const float* x, const float* w, const float* bias,
                               int64_t pool_h, int64_t pool_w, float* y, uint8_t* argmax) {
  if (winograd_pooled(forward_algorithm(s), pool_h, pool_w)) return winograd_forward_maxpool2(s, x, w, bias, UnaryOp::relu, 0.0f, y, argmax);
  const ConvKernels& k = kernels();
  const int64_t pw_out = s.ow / pool_w;
  conv_relu_pool(s, x, w, bias, pool_h, pool_w, true, [&](const float* rows, int64_t stride, int64_t u) {
    const int64_t at = u * pw_out * s.oc;
    k.max_pool_argmax_rows(rows, stride, pool_h, pool_w, pw_out, s.oc, y + at, argmax + at);
  });
}

void conv2d_relu_maxpool_backward(const Conv2dShape& s, const float* x, const float* w, const float* dy,
                                  const float* y, const uint8_t* argmax, int64_t pool_h, int64_t pool_w, float* dw,
                                  float* dbias, float* dx) {
  const int64_t kk = s.kh * s.kw * s.c;
  const int64_t pooled = s.n * (s.oh / pool_h) * (s.ow / pool_w) * s.oc;
  if (dw && pooled == 0) {
    std::memset(dw, 0, sizeof(float) * kk * s.oc);
    dw = nullptr;
  }
  if (dbias && pooled == 0) {
    std::memset(dbias, 0, sizeof(float) * s.oc);
    dbias = nullptr;
  }
  // Winograd's filter gradient reads the pooled gradient itself, and has tiles only where the windows cover.
  const bool winograd_filter = dw && winograd_pooled(backward_filter_algorithm(s), pool_h, pool_w);
  const bool direct_filter = dw && pooled_filter_direct(s, pool_h, pool_w);
  // One materialised dz serves the unfused kernels: the input gradient where scattering does not pay, and a filter
  // gradient too wide for the direct kernels (conv2d_backward_filter then picks im2col or GEMM as it would unfused).
  const bool scatter = dx && scatter_input_gradient(s);
  // So does Winograd's input gradient (its input transform reads through the routing).
  const bool winograd_input = dx && !scatter && s.n * s.h * s.w * s.c > 0 &&
                              winograd_pooled(backward_input_algorithm(s), pool_h, pool_w);
  const float* dz = nullptr;
  if ((dx && !scatter && !winograd_input && s.n * s.h * s.w * s.c > 0) || (dw && !direct_filter && !winograd_filter))
    dz = materialise_pooled_grad(s, dy, y, argmax, pool_h, pool_w);
  if (dx && scatter) pooled_input_gradient(s, w, dy, y, argmax, pool_h, pool_w, dx);
  else if (winograd_input) winograd_backward_input_maxpool2(s, dy, y, argmax, w, dx);
  else if (dx) conv2d_backward_input(s, dz, w, dx);
  if (winograd_filter) winograd_backward_filter_maxpool2(s, x, dy, y, argmax, dw, dbias);
  else if (dw && direct_filter) pooled_filter_gradient(s, x, dy, y, argmax, pool_h, pool_w, dw, dbias);
  else if (dw) conv2d_backward_filter(s, x, dz, dw, dbias);
  else if (dbias) pooled_bias_gradient(s, dy, y, pool_h, pool_w, dbias);
}

}  // namespace tn
