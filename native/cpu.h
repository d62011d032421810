// CPU feature detection and the choice of SIMD path, made once per process.
#pragma once

namespace tn {

enum class Isa { scalar = 0, avx2 = 1, avx512 = 2 };

// The best path this CPU and OS support (CPUID + XGETBV), capped by TENSORNODE_MAX_ISA.
// Decided on first call and immutable afterwards, so every thread and worker sees the same answer.
Isa active_isa();
// The best path the hardware supports, ignoring the cap.
Isa hardware_isa();
const char* isa_name(Isa isa);
// Whether the CPU has AVX512_VNNI (vpdpbusd on zmm, CPUID leaf 7 ECX bit 11) and the OS saves AVX-512 state. The int8
// kernels use it only when active_isa() is avx512, so TENSORNODE_MAX_ISA caps it with the rest.
bool hardware_has_avx512_vnni();
// AVX512_BF16 (vcvtne2ps2bf16, vdpbf16ps) usable on the active path: the hardware has it (CPUID leaf 7 subleaf 1,
// EAX bit 5) and the active path is avx512. Capping TENSORNODE_MAX_ISA below avx512 turns it off, which is how tests
// run the bfloat16 kernels' emulated paths and the mixed-precision fallback on this machine.
bool avx512_bf16();
// The hardware bit alone, ignoring the cap.
bool hardware_avx512_bf16();

}  // namespace tn
