import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { type GraphModel, loadGraphModel } from '@tensorflow/tfjs-converter';
import type { io } from '@tensorflow/tfjs-core';
import { readTfjsGraphModel, weightSpecs } from '../src/tfjs/graph-model.ts';

/** Loads a TF.js graph model from disk into pure-JS tfjs (cpu backend), the reference the ONNX conversion must match. */
export async function loadReferenceModel(jsonPath: string): Promise<GraphModel> {
  await tf.setBackend('cpu');
  const { json, weightData } = readTfjsGraphModel(jsonPath);
  const handler: io.IOHandler = {
    load: async () => ({
      modelTopology: json.modelTopology,
      weightSpecs: weightSpecs(json) as io.WeightsManifestEntry[],
      weightData: weightData.slice().buffer,
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy,
      signature: json.signature,
      userDefinedMetadata: json.userDefinedMetadata,
    }),
  };
  return loadGraphModel(handler);
}

/** Runs the reference model on one NHWC float input; returns each output by the name TF.js reports. */
export function runReference(model: GraphModel, input: Float32Array, shape: number[]): Record<string, Float32Array> {
  return tf.tidy(() => {
    const x = tf.tensor(input, shape, 'float32');
    const names = model.outputNodes;
    const out = model.execute(x, names);
    const list = Array.isArray(out) ? out : [out];
    return Object.fromEntries(names.map((n, i) => [n, list[i]!.dataSync() as Float32Array]));
  });
}
