/*
 * The tree-sitter runtime, compiled into the native extractor from the sources that the
 * `tree-sitter` npm package vendors (binding.gyp puts its lib/src directory on the include path),
 * so the JS binding and this addon run the same version.
 */
#include "lib.c"
