{
  # The native extractor (native/extract.c). It compiles the tree-sitter runtime that the
  # `tree-sitter` npm package vendors, so both run the same version. Built by
  # scripts/build-native.mjs on `npm install` / `npm ci`; see the README.
  "targets": [
    {
      "target_name": "codeindex_native",
      "sources": [
        "native/extract.c",
        "native/runtime.c"
      ],
      "include_dirs": [
        "<!(node -p \"require('path').join(require('path').dirname(require.resolve('tree-sitter/package.json')), 'vendor/tree-sitter/lib/include')\")",
        "<!(node -p \"require('path').join(require('path').dirname(require.resolve('tree-sitter/package.json')), 'vendor/tree-sitter/lib/src')\")"
      ],
      "defines": ["_POSIX_C_SOURCE=200112L", "_DEFAULT_SOURCE", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_c": ["-std=c11", "-fvisibility=hidden"],
      "xcode_settings": { "GCC_SYMBOLS_PRIVATE_EXTERN": "YES", "OTHER_CFLAGS": ["-std=c11"] }
    }
  ]
}
