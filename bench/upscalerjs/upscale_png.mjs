// The whole of an UpscalerJS upscale in Node, as a user runs it: start, load the model, read a PNG,
// predict, write the PNG (pngjs, pure JavaScript, as tfjs-node's native decoder cannot be installed
// offline). The benchmark times the whole process.
//   node upscale_png.mjs MODEL_JSON INPUT_RANGE IN.png OUT.png
import fs from 'node:fs';
import { PNG } from 'pngjs';
import { tf, ready, loadModel } from './tfjs_layers.mjs';

const [modelJson, rangeArg, inputFile, outputFile] = process.argv.slice(2);
const range = Number(rangeArg);

await ready();
const model = await loadModel(modelJson);
const png = PNG.sync.read(fs.readFileSync(inputFile));
const rgb = new Float32Array(png.width * png.height * 3);
for (let i = 0, j = 0; i < png.data.length; i += 4) {
  for (let k = 0; k < 3; ++k) rgb[j++] = (png.data[i + k] / 255) * range;
}
const output = tf.tidy(() => model.predict(tf.tensor4d(rgb, [1, png.height, png.width, 3])));
const [, height, width] = output.shape;
const values = await output.data();
const out = new PNG({ width, height });
for (let p = 0; p < width * height; ++p) {
  for (let k = 0; k < 3; ++k) out.data[p * 4 + k] = Math.max(0, Math.min(255, Math.round((values[p * 3 + k] / range) * 255)));
  out.data[p * 4 + 3] = 255;
}
fs.writeFileSync(outputFile, PNG.sync.write(out));
