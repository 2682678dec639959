// Runs one TF.js layers model (an @upscalerjs ESRGAN) on a raw float32 NHWC picture with the WASM
// backend, the way UpscalerJS runs it in Node: the two custom layers registered under the class
// names the model.json uses, the input already in the model's range.
//   node run_tfjs.mjs MODEL_JSON INPUT.f32 HEIGHT WIDTH OUTPUT.f32 [REPEATS]
// Prints one JSON line: {"load_s":..., "seconds":... (best of REPEATS predictions), "shape":[...]}.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import fs from 'node:fs';
import path from 'node:path';

const [modelJson, inputFile, height, width, outputFile, repeatsArg] = process.argv.slice(2);
const repeats = Number(repeatsArg || 1);

class MultiplyBeta extends tf.layers.Layer {
  static className = 'MultiplyBeta';
  constructor(config) {
    super(config);
    this.beta = config.beta ?? 0.2;
  }
  call(inputs) {
    return tf.mul(Array.isArray(inputs) ? inputs[0] : inputs, this.beta);
  }
  getConfig() {
    return { ...super.getConfig(), beta: this.beta };
  }
}
tf.serialization.registerClass(MultiplyBeta);
for (const scale of [2, 3, 4, 8]) {
  const PixelShuffle = class extends tf.layers.Layer {
    static className = `PixelShuffle${scale}x`;
    computeOutputShape(s) {
      return [s[0], s[1] === null ? null : s[1] * scale, s[2] === null ? null : s[2] * scale, s[3] / (scale * scale)];
    }
    call(inputs) {
      return tf.depthToSpace(Array.isArray(inputs) ? inputs[0] : inputs, scale, 'NHWC');
    }
  };
  tf.serialization.registerClass(PixelShuffle);
}

// model.json and its shards from disk (pure @tensorflow/tfjs has no file:// loader in Node).
const fromDisk = {
  async load() {
    const model = JSON.parse(fs.readFileSync(modelJson, 'utf8'));
    const specs = [];
    const buffers = [];
    for (const group of model.weightsManifest) {
      specs.push(...group.weights);
      for (const p of group.paths) buffers.push(fs.readFileSync(path.join(path.dirname(modelJson), p)));
    }
    const all = Buffer.concat(buffers);
    return {
      modelTopology: model.modelTopology,
      weightSpecs: specs,
      weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
    };
  },
};

await tf.setBackend('wasm');
await tf.ready();
const t0 = performance.now();
const model = await tf.loadLayersModel(fromDisk);
const loadSeconds = (performance.now() - t0) / 1000;
const raw = fs.readFileSync(inputFile);
const input = tf.tensor4d(new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4), [1, Number(height), Number(width), 3]);
let best = Infinity;
let output;
for (let i = 0; i < repeats; ++i) {
  if (output) output.dispose();
  const t = performance.now();
  output = model.predict(input);
  await output.data();
  best = Math.min(best, (performance.now() - t) / 1000);
}
fs.writeFileSync(outputFile, Buffer.from((await output.data()).buffer));
console.log(JSON.stringify({ backend: tf.getBackend(), load_s: loadSeconds, seconds: best, shape: output.shape }));
