#include "conv.h"

#include <algorithm>
#include <cstring>

#include "gemm/gemm.h"
#include "parallel.h"
#include "workspace.h"

namespace tn {

namespace {

// Rows of the im2col matrix processed per chunk, to keep the workspace within a few MiB.
int64_t chunk_rows(const Conv2dShape& s) {
  const int64_t k = s.kh * s.kw * s.c;
  const int64_t budget = (int64_t(4) << 20) / static_cast<int64_t>(sizeof(float));
  int64_t rows = std::max<int64_t>(1, budget / std::max<int64_t>(1, k));
  const int64_t total = s.n * s.oh * s.ow;
  return std::min(rows, total);
}

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
            for (int64_t ch = 0; ch < s.c; ++ch) d[ch] += g[ch];
          }
        }
      }
    }
  });
}

}  // namespace

void conv2d_forward(const Conv2dShape& s, const float* x, const float* w, const float* bias, UnaryOp activation,
                    float alpha, float* y) {
  const int64_t k = s.kh * s.kw * s.c, total = s.n * s.oh * s.ow;
  GemmEpilogue ep;
  ep.bias = bias;
  ep.activation = activation;
  ep.alpha = alpha;
  const int64_t rows = chunk_rows(s);
  float* col = workspace(WorkspaceSlot::im2col, static_cast<size_t>(rows * k));
  for (int64_t r0 = 0; r0 < total; r0 += rows) {
    const int64_t r1 = std::min(total, r0 + rows);
    im2col(s, x, r0, r1, col);
    sgemm(false, false, r1 - r0, s.oc, k, col, k, w, s.oc, 0.0f, y + r0 * s.oc, s.oc, ep);
  }
}

void conv2d_backward_input(const Conv2dShape& s, const float* dy, const float* w, float* dx) {
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

void conv2d_backward_filter(const Conv2dShape& s, const float* x, const float* dy, float* dw, float* dbias) {
  const int64_t k = s.kh * s.kw * s.c, total = s.n * s.oh * s.ow;
  const int64_t rows = chunk_rows(s);
  float* col = workspace(WorkspaceSlot::im2col, static_cast<size_t>(rows * k));
  if (total == 0) std::memset(dw, 0, sizeof(float) * k * s.oc);
  for (int64_t r0 = 0; r0 < total; r0 += rows) {
    const int64_t r1 = std::min(total, r0 + rows);
    im2col(s, x, r0, r1, col);
    sgemm(true, false, k, s.oc, r1 - r0, col, k, dy + r0 * s.oc, s.oc, r0 == 0 ? 0.0f : 1.0f, dw, s.oc);
  }
  if (dbias) {
    for (int64_t o = 0; o < s.oc; ++o) dbias[o] = 0;
    for (int64_t r = 0; r < total; ++r)
      for (int64_t o = 0; o < s.oc; ++o) dbias[o] += dy[r * s.oc + o];
  }
}

}  // namespace tn
