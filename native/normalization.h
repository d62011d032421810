// Batch normalization over the leading axes of a channels-last array x [rows, channels] (rows = N*H*W), fused:
// the statistics in two passes, the normalization in one, and the backward pass in two, instead of the eight or so
// broadcast passes (and as many temporaries) of the composed ops.
#pragma once
#include <cstdint>

namespace tn {

// Per-channel mean and biased variance (the mean of squared deviations, two-pass for accuracy); rows >= 1.
void batch_norm_stats(const float* x, int64_t rows, int64_t channels, float* mean, float* variance);

// y = (x - mean) / sqrt(variance + eps) * gamma + beta; gamma and beta may be null (1 and 0).
void batch_norm_forward(const float* x, int64_t rows, int64_t channels, const float* mean, const float* variance,
                        const float* gamma, const float* beta, float eps, float* y);

// Gradients from dy: dbeta = sum dy, dgamma = sum dy * xhat (each may be null when not wanted), and dx (may be null).
// batch_stats: mean and variance were computed from x itself (training), so dx includes their dependence on x:
// dx = gamma * inv * (dy - mean(dy) - xhat * mean(dy * xhat)); otherwise dx = gamma * inv * dy.
void batch_norm_backward(const float* dy, const float* x, int64_t rows, int64_t channels, const float* mean,
                         const float* variance, const float* gamma, float eps, bool batch_stats, float* dx,
                         float* dgamma, float* dbeta);

}  // namespace tn
