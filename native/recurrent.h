// Whole LSTM and GRU time loops in native code: per step one small GEMM of the state and one fused cell update,
// forward and backward (backpropagation through time), instead of a dozen recorded ops per step. Everything is
// time-major, [time, batch, ...], so that each step reads and writes contiguous blocks.
#pragma once
#include <cstdint>

namespace tn {

// The gates' activation (Keras's recurrent_activation; the cell and candidate are always tanh): the logistic
// sigmoid (Keras's default), Keras 3's hard_sigmoid clip(x / 6 + 1/2, 0, 1), or Keras 2's and TF.js's
// clip(0.2 x + 1/2, 0, 1) (TF.js's LSTM and GRU default). Backward passes take the derivative from the gate's value:
// s (1 - s), or the slope where 0 < s < 1.
enum class RecurrentGate { sigmoid, hard_sigmoid, hard_sigmoid_legacy, count };

// LSTM, gates in Keras's order i, f, c, o (gate activations, tanh cell), from zero state. xw [time, batch, 4u]
// holds every step's x W + b, U is [u, 4u]. Output step k reads input step t = reverse ? time-1-k : k. Writes hs and
// cs [time, batch, u] (the state after each output step) and gates [time, batch, 4u] (i, f, g, o after their
// activations).
void lstm_forward(const float* xw, const float* u, int64_t batch, int64_t time, int64_t units, bool reverse,
                  RecurrentGate gate, float* hs, float* cs, float* gates);

// From dhs [time, batch, u] (the gradient reaching each output step's h): dxw [time, batch, 4u] (in input order)
// and dU [u, 4u] (overwritten).
void lstm_backward(const float* dhs, const float* u, const float* hs, const float* cs, const float* gates,
                   int64_t batch, int64_t time, int64_t units, bool reverse, RecurrentGate gate, float* dxw, float* du);

// GRU: xw [time, batch, 3u] = x W + input bias (gates z, r, h), U [u, 3u]. With reset_after (Keras's default),
// recurrent bias b [3u] (may be null): hu = h U + b, z = gate(xz + hu_z), r = gate(xr + hu_r),
// hh = tanh(xh + r * hu_h), h = z * h_prev + (1 - z) * hh; gates [time, batch, 4u] = z, r, hh, hu_h. Without
// (Keras 2's original GRU, TF.js's default; b must be null): hh = tanh(xh + (r * h_prev) U_h); gates = z, r, hh,
// r * h_prev. Writes hs [time, batch, u].
void gru_forward(const float* xw, const float* u, const float* b, int64_t batch, int64_t time, int64_t units,
                 bool reverse, RecurrentGate gate, bool reset_after, float* hs, float* gates);

// dxw [time, batch, 3u] (input order), dU [u, 3u] and db [3u] (each overwritten; db may be null, and is with
// reset_after false).
void gru_backward(const float* dhs, const float* u, const float* hs, const float* gates, int64_t batch, int64_t time,
                  int64_t units, bool reverse, RecurrentGate gate, bool reset_after, float* dxw, float* du, float* db);

// Inference only (nothing kept for backward), from zero state, the input projection included: x [batch, time,
// features] (batch-major, as the layer receives it), kernel [features, 4u], bias [4u] or null, U [u, 4u]. Writes hs
// [time, batch, u] with `sequences`, else the last step's h [batch, u].
void lstm_inference(const float* x, const float* kernel, const float* bias, const float* u, int64_t batch,
                    int64_t time, int64_t features, int64_t units, bool reverse, bool sequences, RecurrentGate gate,
                    float* hs);

// GRU as gru_forward: kernel [features, 3u], input_bias and recurrent_bias [3u] or null (recurrent_bias null
// without reset_after).
void gru_inference(const float* x, const float* kernel, const float* input_bias, const float* u,
                   const float* recurrent_bias, int64_t batch, int64_t time, int64_t features, int64_t units,
                   bool reverse, bool sequences, RecurrentGate gate, bool reset_after, float* hs);

}  // namespace tn
