{
  # The addon is built from source on `npm install`: no download of any kind.
  # NODE_ADDON_API_CPP_EXCEPTIONS_ALL: a std::exception escaping a binding (std::bad_alloc) becomes a JavaScript error
  # instead of std::terminate.
  # No -march=native: SIMD paths are compiled with per-function target pragmas and chosen at run time
  # (native/cpu.cc), so one build runs on any x86-64 and the same sources compile on arm64.
  "targets": [
    {
      "target_name": "tensornode",
      "sources": [
        "native/binding/module.cc",
        "native/binding/backend.cc",
        "native/binding/elementwise.cc",
        "native/binding/reduce.cc",
        "native/binding/gemm.cc",
        "native/binding/conv.cc",
        "native/binding/pool.cc",
        "native/binding/optim.cc",
        "native/binding/normalization.cc",
        "native/binding/random.cc",
        "native/binding/recurrent.cc",
        "native/binding/indexing.cc",
        "native/binding/quantized.cc",
        "native/binding/fft.cc",
        "native/cpu.cc",
        "native/gemm/gemm.cc",
        "native/gemm/kernel_avx512.cc",
        "native/gemm/kernel_avx2.cc",
        "native/gemm/kernel_generic.cc",
        "native/gemm/gemm_bf16.cc",
        "native/gemm/kernel_avx512_bf16.cc",
        "native/conv_bf16.cc",
        "native/bench.cc",
        "native/conv.cc",
        "native/conv_avx512.cc",
        "native/conv_avx2.cc",
        "native/conv_winograd.cc",
        "native/conv_winograd_avx512.cc",
        "native/conv_winograd_avx2.cc",
        "native/conv3d.cc",
        "native/pool3d.cc",
        "native/depthwise_conv.cc",
        "native/depthwise_conv_avx512.cc",
        "native/depthwise_conv_avx2.cc",
        "native/pool.cc",
        "native/pool_avx512.cc",
        "native/pool_avx2.cc",
        "native/elementwise.cc",
        "native/elementwise_avx512.cc",
        "native/elementwise_avx2.cc",
        "native/random_avx512.cc",
        "native/random_avx2.cc",
        "native/reduce.cc",
        "native/optim.cc",
        "native/optim_avx512.cc",
        "native/optim_avx2.cc",
        "native/normalization.cc",
        "native/random.cc",
        "native/recurrent.cc",
        "native/indexing.cc",
        "native/recurrent_avx512.cc",
        "native/recurrent_avx2.cc",
        "native/quantized.cc",
        "native/quantized_avx512.cc",
        "native/quantized_avx2.cc",
        "native/fft.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_CPP_EXCEPTIONS_ALL", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20"],
      "cflags": ["-O3", "-fopenmp", "-fno-math-errno", "-fno-trapping-math", "-Wall", "-Wno-unknown-pragmas"],
      "cflags_cc": ["-std=c++17", "-fexceptions"],
      "ldflags": ["-fopenmp"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "OTHER_CFLAGS": ["-O3", "-Xpreprocessor", "-fopenmp"]
      }
    }
  ],
  # The MPI addon (tn.distributed) is a second, optional target: built only when native/mpi-config.mjs finds mpicc
  # (Open MPI's or MPICH's wrapper), linked against the system's libmpi. Without MPI it is left out and the main addon
  # builds as before; TENSORNODE_MPI=0 leaves it out on purpose.
  "variables": {
    "tensornode_mpi%": "<!(node native/mpi-config.mjs found)"
  },
  "conditions": [
    ["tensornode_mpi=='true'", {
      "targets": [
        {
          "target_name": "tensornode_mpi",
          "sources": ["native/mpi_binding.cc"],
          "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
          "defines": ["OMPI_SKIP_MPICXX=1", "MPICH_SKIP_MPICXX=1", "NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_CPP_EXCEPTIONS_ALL", "NODE_ADDON_API_DISABLE_DEPRECATED"],
          "cflags!": ["-fno-exceptions"],
          "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20"],
          "cflags": ["-O3", "-Wall", "<!@(node native/mpi-config.mjs cflags)"],
          "cflags_cc": ["-std=c++17", "-fexceptions"],
          "libraries": ["<!@(node native/mpi-config.mjs libs)", "-ldl"],
          "xcode_settings": {
            "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
            "OTHER_CFLAGS": ["-O3", "<!@(node native/mpi-config.mjs cflags)"]
          }
        }
      ]
    }]
  ]
}
