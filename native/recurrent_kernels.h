// The fused inference loops of LSTM and GRU (recurrent_impl.h), one copy per ISA, chosen by recurrent.cc.
#pragma once
#include <cstdint>

namespace tn {

enum class RecurrentCell { lstm, gru };

// One layer's whole forward pass from zero state, with nothing kept for a backward pass. x is batch-major
// [batch, time, features]; kernel [features, g*units], recurrent_kernel [units, g*units] (g = 4 for LSTM, 3 for
// GRU); input_bias [g*units] or null; recurrent_bias [g*units] or null (GRU with resetAfter only). Output step k
// reads input step reverse ? time-1-k : k. hs is [time, batch, units] with `sequences`, else [batch, units] (the
// last step only).
struct RecurrentInference {
  RecurrentCell cell;
  const float* x;
  const float* kernel;
  const float* recurrent_kernel;
  const float* input_bias;
  const float* recurrent_bias;
  int64_t batch, time, features, units;
  bool reverse, sequences;
  float* hs;
};

namespace generic {
void recurrent_inference(const RecurrentInference& p);
}
#if defined(__x86_64__)
namespace avx2 {
void recurrent_inference(const RecurrentInference& p);
}
namespace avx512 {
void recurrent_inference(const RecurrentInference& p);
}
#endif

}  // namespace tn
