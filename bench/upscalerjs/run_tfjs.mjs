// Runs one TF.js layers model (an @upscalerjs ESRGAN) on a raw float32 NHWC picture with the WASM
// backend, the way UpscalerJS runs it in Node, the input already in the model's range.
//   node run_tfjs.mjs MODEL_JSON INPUT.f32 HEIGHT WIDTH OUTPUT.f32 [REPEATS]
// Prints one JSON line: {"load_s":..., "seconds":... (best of REPEATS predictions), "shape":[...]}.
import fs from 'node:fs';
import { tf, ready, loadModel } from './tfjs_layers.mjs';

const [modelJson, inputFile, height, width, outputFile, repeatsArg] = process.argv.slice(2);
const repeats = Number(repeatsArg || 1);

await ready();
const t0 = performance.now();
const model = await loadModel(modelJson);
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
