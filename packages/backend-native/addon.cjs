"use strict";
// Loads the compiled addon (build/Release, or a prebuild for this platform) through
// node-gyp-build. CommonJS so that the ESM and CJS builds of the package share one loader.
// BACKPROP_NATIVE_DIR points at another build (the AddressSanitizer one of `npm run test:asan`).
let cached;
exports.loadAddon = function loadAddon() {
  if (cached === undefined) cached = require("node-gyp-build")(process.env.BACKPROP_NATIVE_DIR || __dirname);
  return cached;
};
