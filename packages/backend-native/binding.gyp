{
  "variables": { "bp_sanitize%": "" },
  "target_defaults": {
    "cflags_cc!": ["-fno-exceptions"],
    "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-fno-math-errno", "-fno-trapping-math"],
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
    "conditions": [
      ["bp_sanitize=='address'", {
        "cflags_cc": ["-fsanitize=address", "-fno-omit-frame-pointer", "-O1", "-g"],
        "ldflags": ["-fsanitize=address"]
      }]
    ]
  },
  "targets": [
    {
      "target_name": "backprop_native",
      "sources": ["csrc/addon.cc", "csrc/elementwise.cc", "csrc/nn.cc", "csrc/gemm.cc", "csrc/pool.cc", "csrc/optim.cc", "csrc/indexing.cc"],
      "conditions": [
        ["target_arch=='x64'", { "dependencies": ["bp_avx512", "bp_avx2"] }]
      ]
    }
  ],
  "conditions": [
    ["target_arch=='x64'", {
      "targets": [
        {
          "target_name": "bp_avx512",
          "type": "static_library",
          "sources": ["csrc/gemm_avx512.cc", "csrc/optim_avx512.cc", "csrc/block_avx512.cc"],
          "cflags_cc": ["-mavx512f", "-mfma", "-mavx2", "-mprefer-vector-width=512"]
        },
        {
          "target_name": "bp_avx2",
          "type": "static_library",
          "sources": ["csrc/gemm_avx2.cc", "csrc/optim_avx2.cc", "csrc/block_avx2.cc"],
          "cflags_cc": ["-mavx2", "-mfma"]
        }
      ]
    }]
  ]
}
