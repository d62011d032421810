// Scratch memory for kernels, reused across calls. Fresh pages cost a page fault on first touch (about 16 us per
// 4 KiB here), so buffers grow and stay: a steady training loop touches no new memory. Per thread, so concurrent
// callers (worker_threads, OpenMP teams) never share one.
#pragma once
#include <cstddef>
#include <cstdlib>
#include <new>

namespace tn {

class Workspace {
 public:
  ~Workspace() { std::free(data_); }
  // At least `floats` floats, 64-byte aligned. Contents are unspecified. Invalidates earlier pointers of this slot.
  float* get(size_t floats) {
    if (floats > capacity_) {
      std::free(data_);
      size_t bytes = (floats * sizeof(float) + 63) / 64 * 64;
      data_ = static_cast<float*>(std::aligned_alloc(64, bytes));
      if (!data_) {
        capacity_ = 0;
        throw std::bad_alloc();
      }
      capacity_ = bytes / sizeof(float);
    }
    return data_;
  }

 private:
  float* data_ = nullptr;
  size_t capacity_ = 0;
};

// Named slots so that a kernel can hold several buffers at once (e.g. im2col and packed panels).
// gemm_c holds a GEMM's partial products (k split) or its transposed output; gemm_t a tile being transposed.
// conv_pool holds the full-size convolution output (or its gradient) that a fused conv + pool pass materialises
// only where it hands over to the unfused kernels, which use the other slots meanwhile. winograd holds a Winograd
// convolution's transformed kernel while conv_aux may hold the upstream gradient it reads.
enum class WorkspaceSlot { im2col = 0, gemm_a, gemm_b, gemm_c, gemm_t, conv_aux, conv_pool, winograd, count };

inline float* workspace(WorkspaceSlot slot, size_t floats) {
  static thread_local Workspace slots[static_cast<int>(WorkspaceSlot::count)];
  return slots[static_cast<int>(slot)].get(floats);
}

}  // namespace tn
