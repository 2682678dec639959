// What UpscalerJS sets up before it runs one of its ESRGAN models in Node: the WASM backend, the two
// custom layers registered under the class names the model.json files use, and a loader for
// model.json and its shards from disk (pure @tensorflow/tfjs has no file:// loader in Node).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import fs from 'node:fs';
import path from 'node:path';

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

export { tf };

export async function ready() {
  await tf.setBackend('wasm');
  await tf.ready();
}

export function loadModel(modelJson) {
  return tf.loadLayersModel({
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
  });
}
