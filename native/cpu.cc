#include "cpu.h"

#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#define TN_X86 1
#endif

namespace tn {

namespace {

#ifdef TN_X86
// XGETBV is read with inline asm so that this file needs no target attribute.
unsigned long long read_xcr0() {
  unsigned int eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<unsigned long long>(edx) << 32) | eax;
}
#endif

Isa detect() {
#ifdef TN_X86
  unsigned int eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return Isa::scalar;
  const bool fma = ecx & (1u << 12), osxsave = ecx & (1u << 27), avx = ecx & (1u << 28);
  if (!(osxsave && avx && fma)) return Isa::scalar;
  const unsigned long long xcr0 = read_xcr0();
  // The OS must save YMM state (bits 1,2) before AVX code is safe, and opmask/ZMM state (bits 5,6,7) for AVX-512.
  if ((xcr0 & 0x6) != 0x6) return Isa::scalar;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return Isa::scalar;
  const bool avx2 = ebx & (1u << 5);
  if (!avx2) return Isa::scalar;
  const bool f = ebx & (1u << 16), dq = ebx & (1u << 17), bw = ebx & (1u << 30), vl = ebx & (1u << 31);
  if (f && dq && bw && vl && (xcr0 & 0xe6) == 0xe6) return Isa::avx512;
  return Isa::avx2;
#else
  return Isa::scalar;
#endif
}

Isa cap_from_env(Isa hw) {
  const char* cap = std::getenv("TENSORNODE_MAX_ISA");
  if (!cap || !*cap) return hw;
  Isa want = hw;
  if (!std::strcmp(cap, "scalar")) want = Isa::scalar;
  else if (!std::strcmp(cap, "avx2")) want = Isa::avx2;
  else if (!std::strcmp(cap, "avx512")) want = Isa::avx512;
  return static_cast<int>(want) < static_cast<int>(hw) ? want : hw;
}

bool detect_avx512_vnni() {
#ifdef TN_X86
  unsigned int eax, ebx, ecx, edx;
  if (detect() != Isa::avx512) return false;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
  return ecx & (1u << 11);
#else
  return false;
#endif
}

bool detect_bf16() {
#ifdef TN_X86
  unsigned int eax, ebx, ecx, edx;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) || eax < 1) return false;  // eax: the highest subleaf
  if (!__get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx)) return false;
  // Its operands are zmm registers, so it needs the same OS support as the rest of AVX-512 (checked by detect()).
  return (eax & (1u << 5)) && detect() == Isa::avx512;
#else
  return false;
#endif
}

}  // namespace

bool hardware_has_avx512_vnni() {
  static const bool vnni = detect_avx512_vnni();
  return vnni;
}

bool hardware_avx512_bf16() {
  static const bool bf16 = detect_bf16();
  return bf16;
}

bool avx512_bf16() { return hardware_avx512_bf16() && active_isa() == Isa::avx512; }

Isa hardware_isa() {
  static const Isa hw = detect();
  return hw;
}

Isa active_isa() {
  static const Isa isa = cap_from_env(hardware_isa());
  return isa;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::avx512: return "avx512";
    case Isa::avx2: return "avx2";
    default: return "scalar";
  }
}

}  // namespace tn
