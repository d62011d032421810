// The fused forward loops of LSTM and GRU (recurrent_impl.h), one copy per ISA, chosen by recurrent.cc.
#pragma once
#include <cstdint>

#include "recurrent.h"

namespace tn {

// gru_reset_before is Keras 2's original GRU (reset_after false): the reset gate scales h before U_h, so each step
// takes the state product in two passes (z and r first, then (r * h) U_h).
enum class RecurrentCell { lstm, gru, gru_reset_before };

// A layer's whole forward pass from zero state. The input is either x, batch-major [batch, time, features], with
// kernel [features, g*units] (g = 4 for LSTM, 3 for GRU), projected here, or, when xw is set, the projection done
// already (training keeps it for the kernel's gradient), time-major [time, batch, g*units] with the input bias in
// it. recurrent_kernel [units, g*units]; input_bias [g*units] or null (with x only); recurrent_bias [g*units] or
// null (GRU with resetAfter only); gate is the gates' activation. Output step k reads input step
// reverse ? time-1-k : k. hs is [time, batch, units] with `sequences`, else [batch, units] (the last step only). For
// a backward pass (both null for inference, else `sequences` too): cs [time, batch, units], LSTM's cell state, and
// gates [time, batch, 4*units], LSTM's i, f, c, o after their activations or GRU's z, r, hh and h U_h + b_h
// (reset_before: r * h_prev).
struct RecurrentForward {
  RecurrentCell cell;
  RecurrentGate gate;
  const float* x;
  const float* kernel;
  const float* xw;
  const float* recurrent_kernel;
  const float* input_bias;
  const float* recurrent_bias;
  int64_t batch, time, features, units;
  bool reverse, sequences;
  float* hs;
  float* cs;
  float* gates;
};

namespace generic {
void recurrent_forward(const RecurrentForward& p);
}
#if defined(__x86_64__)
namespace avx2 {
void recurrent_forward(const RecurrentForward& p);
}
namespace avx512 {
void recurrent_forward(const RecurrentForward& p);
}
#endif

}  // namespace tn
