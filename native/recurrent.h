// Whole LSTM and GRU time loops in native code: per step one small GEMM of the state and one fused cell update,
// forward and backward (backpropagation through time), instead of a dozen recorded ops per step. Everything is
// time-major, [time, batch, ...], so that each step reads and writes contiguous blocks.
#pragma once
#include <cstdint>

namespace tn {

// LSTM, gates in Keras's order i, f, c, o with Keras's default activations (sigmoid gates, tanh cell), from zero
// state. xw [time, batch, 4u] holds every step's x W + b, U is [u, 4u]. Output step k reads input step
// t = reverse ? time-1-k : k. Writes hs and cs [time, batch, u] (the state after each output step) and
// gates [time, batch, 4u] (i, f, g, o after their activations).
void lstm_forward(const float* xw, const float* u, int64_t batch, int64_t time, int64_t units, bool reverse, float* hs,
                  float* cs, float* gates);

// From dhs [time, batch, u] (the gradient reaching each output step's h): dxw [time, batch, 4u] (in input order)
// and dU [u, 4u] (overwritten).
void lstm_backward(const float* dhs, const float* u, const float* hs, const float* cs, const float* gates,
                   int64_t batch, int64_t time, int64_t units, bool reverse, float* dxw, float* du);

// GRU with resetAfter (Keras's default): xw [time, batch, 3u] = x W + input bias (gates z, r, h), U [u, 3u],
// recurrent bias b [3u] (may be null): hu = h U + b, z = sigmoid(xz + hu_z), r = sigmoid(xr + hu_r),
// hh = tanh(xh + r * hu_h), h = z * h_prev + (1 - z) * hh. Writes hs [time, batch, u] and gates
// [time, batch, 4u] = z, r, hh, hu_h.
void gru_forward(const float* xw, const float* u, const float* b, int64_t batch, int64_t time, int64_t units,
                 bool reverse, float* hs, float* gates);

// dxw [time, batch, 3u] (input order), dU [u, 3u] and db [3u] (each overwritten; db may be null).
void gru_backward(const float* dhs, const float* u, const float* hs, const float* gates, int64_t batch, int64_t time,
                  int64_t units, bool reverse, float* dxw, float* du, float* db);

// Inference only (nothing kept for backward), from zero state, the input projection included: x [batch, time,
// features] (batch-major, as the layer receives it), kernel [features, 4u], bias [4u] or null, U [u, 4u]. Writes hs
// [time, batch, u] with `sequences`, else the last step's h [batch, u].
void lstm_inference(const float* x, const float* kernel, const float* bias, const float* u, int64_t batch,
                    int64_t time, int64_t features, int64_t units, bool reverse, bool sequences, float* hs);

// GRU with resetAfter, as gru_forward: kernel [features, 3u], input_bias and recurrent_bias [3u] or null.
void gru_inference(const float* x, const float* kernel, const float* input_bias, const float* u,
                   const float* recurrent_bias, int64_t batch, int64_t time, int64_t features, int64_t units,
                   bool reverse, bool sequences, float* hs);

}  // namespace tn
