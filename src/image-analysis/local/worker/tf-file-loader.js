'use strict';
// tfjs IO router for file:// model URLs: GraphModel loading otherwise falls back to fetch(file://),
// which Node does not implement (only tfjs-node ships a file handler).
const fs = require('node:fs');
const path = require('node:path');
const { fileURLToPath } = require('node:url');

function fileHandler(io, jsonPath) {
  return {
    async load() {
      const modelJson = JSON.parse(await fs.promises.readFile(jsonPath, 'utf8'));
      const dir = path.dirname(jsonPath);
      return io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs = [];
        const buffers = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) buffers.push(await fs.promises.readFile(path.join(dir, decodeURIComponent(p))));
        }
        const all = Buffer.concat(buffers);
        return [specs, all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength)];
      });
    },
  };
}

const registered = new WeakSet();
function registerFileLoader(tf) {
  if (registered.has(tf.io)) return;
  registered.add(tf.io);
  tf.io.registerLoadRouter((url) => {
    if (typeof url !== 'string' || !url.startsWith('file://')) return null;
    return fileHandler(tf.io, fileURLToPath(url));
  });
}

module.exports = { registerFileLoader };
