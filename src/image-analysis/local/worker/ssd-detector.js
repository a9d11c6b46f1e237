'use strict';
// SSD-MobileNetV2 over Open Images classes (Mug, Coffee cup, Camera, Laptop, Computer monitor, Bottle,
// Footwear, Car, Cat, Dog, ...), the detector MediaPipe's Objectron ships inside
// @mediapipe/objectron's packed assets (Apache-2.0), run with LiteRT.js (@litertjs/core, Apache-2.0,
// wasm). Weights and runtime are read from node_modules by path: nothing is downloaded.
//
// The model: input 1x300x300x3 float in [-1, 1] (the whole image stretched), outputs raw box
// encodings [1, 1917, 4] (y, x, h, w against SSD anchors) and class logits [1, 1917, 24] (class 0
// is the background). Anchors and decoding follow MediaPipe's SsdAnchorsCalculator /
// TfLiteTensorsToDetectionsCalculator settings for this model.
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { pathToFileURL, fileURLToPath } = require('node:url');
const { packageDir } = require('./engine-paths');
const { iou } = require('./box-iou');

const INPUT = 300;
/** The packed assets: a 184-byte label map, then the .tflite (see the package's loader script). */
const LABEL_MAP_BYTES = 184;

/** MediaPipe's SSD anchor generation (6 layers, scales 0.2-0.95, 3 boxes in the lowest layer). */
function ssdAnchors() {
  const strides = [16, 32, 64, 128, 256, 512];
  const ratios = [1.0, 2.0, 0.5, 3.0, 0.3333];
  const minScale = 0.2;
  const maxScale = 0.95;
  const scaleAt = (i) => minScale + ((maxScale - minScale) * i) / (strides.length - 1);
  const anchors = [];
  strides.forEach((stride, layer) => {
    let shapes;
    if (layer === 0) {
      shapes = [
        [0.1, 1.0],
        [scaleAt(0), 2.0],
        [scaleAt(0), 0.5],
      ];
    } else {
      shapes = ratios.map((r) => [scaleAt(layer), r]);
      const next = layer === strides.length - 1 ? 1.0 : scaleAt(layer + 1);
      shapes.push([Math.sqrt(scaleAt(layer) * next), 1.0]);
    }
    const size = Math.ceil(INPUT / stride);
    for (let y = 0; y < size; y += 1) {
      for (let x = 0; x < size; x += 1) {
        for (const [scale, ratio] of shapes) {
          anchors.push({
            cx: (x + 0.5) / size,
            cy: (y + 0.5) / size,
            w: scale * Math.sqrt(ratio),
            h: scale / Math.sqrt(ratio),
          });
        }
      }
    }
  });
  return anchors;
}

/**
 * Raw SSD outputs -> [{label, score, box: [x, y, w, h] as fractions}], best first: per anchor the
 * best non-background class (sigmoid score), boxes decoded against the anchors with MediaPipe's
 * scales (10, 10, 5, 5), then greedy NMS per class.
 */
function decodeSsd(boxes, logits, anchors, labels, { minScore, maxDetected, iouThreshold }) {
  const classes = logits.length / anchors.length;
  const minLogit = Math.log(minScore / (1 - minScore));
  const candidates = [];
  for (let i = 0; i < anchors.length; i += 1) {
    let best = 0;
    let bestLogit = -Infinity;
    for (let c = 1; c < classes; c += 1) {
      const value = logits[i * classes + c];
      if (value > bestLogit) {
        bestLogit = value;
        best = c;
      }
    }
    if (bestLogit < minLogit) continue;
    const a = anchors[i];
    const cy = (boxes[i * 4] / 10) * a.h + a.cy;
    const cx = (boxes[i * 4 + 1] / 10) * a.w + a.cx;
    const h = Math.exp(boxes[i * 4 + 2] / 5) * a.h;
    const w = Math.exp(boxes[i * 4 + 3] / 5) * a.w;
    const x1 = Math.max(0, cx - w / 2);
    const y1 = Math.max(0, cy - h / 2);
    const x2 = Math.min(1, cx + w / 2);
    const y2 = Math.min(1, cy + h / 2);
    if (x2 <= x1 || y2 <= y1) continue;
    candidates.push({ label: labels[best], score: 1 / (1 + Math.exp(-bestLogit)), box: [x1, y1, x2 - x1, y2 - y1] });
  }
  candidates.sort((p, q) => q.score - p.score);
  const kept = [];
  for (const c of candidates) {
    if (kept.length >= maxDetected) break;
    if (kept.some((k) => k.label === c.label && iou(k.box, c.box) > iouThreshold)) continue;
    kept.push(c);
  }
  return kept;
}

/**
 * LiteRT.js is an ES module whose wasm glue expects a worker-like global (self, importScripts)
 * and, under Node, CommonJS globals: give it those, pointing at its own folder.
 */
async function loadRuntime() {
  const coreDir = packageDir('@litertjs/core');
  const wasmDir = path.join(coreDir, 'wasm');
  globalThis.self ??= globalThis;
  globalThis.require ??= require;
  globalThis.__dirname ??= wasmDir;
  globalThis.__filename ??= path.join(wasmDir, 'litert_wasm_internal.js');
  globalThis.importScripts ??= (...urls) => {
    for (const url of urls) {
      const file = url.startsWith('file:') ? fileURLToPath(url) : url;
      vm.runInThisContext(fs.readFileSync(file, 'utf8'), { filename: file });
    }
  };
  // The runtime logs every accelerator and delegate it sets up: keep only its warnings and errors.
  const quiet = (line) => {
    if (!/^(INFO|WARNING): /.test(String(line))) console.error(`litert: ${line}`);
  };
  globalThis.Module = { print: quiet, printErr: quiet };
  const litert = await import(pathToFileURL(path.join(coreDir, 'dist', 'index.js')).href);
  const warn = console.warn;
  // No GPU in Node: the runtime warns that it found none and runs on wasm (XNNPACK), as asked.
  console.warn = (...args) => {
    if (!String(args[0]).startsWith('Failed to create default WebGPU device')) warn(...args);
  };
  try {
    await litert.loadLiteRt(wasmDir + path.sep);
  } finally {
    console.warn = warn;
  }
  return litert;
}

/** Loads the model; returns { detect(tf, tensor3dInt32) -> objects, info }. */
async function loadSsd({ minScore = 0.15, maxDetected = 20, iouThreshold = 0.45 } = {}) {
  const started = Date.now();
  const litert = await loadRuntime();
  const packed = fs.readFileSync(
    path.join(packageDir('@mediapipe/objectron'), 'objectron_solution_packed_assets.data'),
  );
  const labels = packed.subarray(0, LABEL_MAP_BYTES).toString('utf8').split('\n');
  const model = await litert.loadAndCompile(new Uint8Array(packed.subarray(LABEL_MAP_BYTES)), { accelerator: 'wasm' });
  const anchors = ssdAnchors();

  async function detect(tf, image) {
    const pixels = tf.tidy(() =>
      tf.image.resizeBilinear(tf.cast(image, 'float32'), [INPUT, INPUT]).div(127.5).sub(1).dataSync(),
    );
    const input = new litert.Tensor(new Float32Array(pixels), [1, INPUT, INPUT, 3]);
    let outputs;
    try {
      outputs = await model.run(input);
      const boxes = (await outputs[0].moveTo('wasm')).toTypedArray();
      const logits = (await outputs[1].moveTo('wasm')).toTypedArray();
      return decodeSsd(boxes, logits, anchors, labels, { minScore, maxDetected, iouThreshold });
    } finally {
      input.delete();
      if (outputs) for (const o of outputs) o.delete();
    }
  }

  // First run pays the kernel setup: do it now, on zeros.
  const tfZeros = new litert.Tensor(new Float32Array(INPUT * INPUT * 3), [1, INPUT, INPUT, 3]);
  for (const o of await model.run(tfZeros)) o.delete();
  tfZeros.delete();
  return {
    detect,
    info: {
      version: `litertjs-${require(path.join(packageDir('@litertjs/core'), 'package.json')).version}`,
      models: ['ssd_mobilenetv2_oidv4'],
      backend: 'litert-wasm',
      labels: labels.filter((l) => l && l !== '???').length,
      loadMs: Date.now() - started,
    },
  };
}

module.exports = { loadSsd, ssdAnchors, decodeSsd };
