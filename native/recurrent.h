// A whole LSTM or GRU layer's time loop in native code: one small GEMM of the state and one fused cell update per step,
// forward and backward (backpropagation through time), instead of a dozen recorded ops per step.
// Shapes: xw [batch, time, 4u] (the inputs already projected, x W + b), U [u, 4u], gates in Keras's order i, f, c, o,
// with Keras's default activations (sigmoid for the gates, tanh for the cell).
#pragma once
#include <cstdint>

namespace tn {

// Runs the sequence from zero state. Output step k reads input step t = reverse ? time-1-k : k. Writes hs and cs
// [batch, time, u] (state after each output step) and gates [batch, time, 4u] (i, f, g, o after their activations).
void lstm_forward(const float* xw, const float* u, int64_t batch, int64_t time, int64_t units, bool reverse, float* hs,
                  float* cs, float* gates);

// From dhs [batch, time, u] (the gradient reaching each output step's h): dxw [batch, time, 4u] (in input order)
// and dU [u, 4u] (overwritten).
void lstm_backward(const float* dhs, const float* u, const float* hs, const float* cs, const float* gates,
                   int64_t batch, int64_t time, int64_t units, bool reverse, float* dxw, float* du);

// A GRU with resetAfter (Keras's default): xw [batch, time, 3u] = x W + input bias (gates z, r, h), U [u, 3u],
// recurrent bias b [3u] (may be null): hu = h U + b, z = sigmoid(xz + hu_z), r = sigmoid(xr + hu_r),
// hh = tanh(xh + r * hu_h), h = z * h_prev + (1 - z) * hh. Saves gates [batch, time, 4u] = z, r, hh, hu_h.
void gru_forward(const float* xw, const float* u, const float* b, int64_t batch, int64_t time, int64_t units,
                 bool reverse, float* hs, float* gates);

// dxw [batch, time, 3u] (input order), dU [u, 3u] and db [3u] (each overwritten; db may be null).
void gru_backward(const float* dhs, const float* u, const float* hs, const float* gates, int64_t batch, int64_t time,
                  int64_t units, bool reverse, float* dxw, float* du, float* db);

}  // namespace tn
