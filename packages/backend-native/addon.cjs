"use strict";
// Loads the compiled addon (build/Release, or a prebuild for this platform) through
// node-gyp-build. CommonJS so that the ESM and CJS builds of the package share one loader.
let cached;
exports.loadAddon = function loadAddon() {
  if (cached === undefined) cached = require("node-gyp-build")(__dirname);
  return cached;
};
