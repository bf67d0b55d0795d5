/**
 * @tooncast/models — the face models as ONNX files (built by `src/build.ts`), onnxruntime sessions for them, their
 * input/output contracts (MODEL_SPECS), and a small ONNX graph builder for generated graphs (stylizer, tests).
 */
export { buildModels, type Manifest, type ManifestEntry, readManifest } from './build-models.ts';
export { MODEL_NAMES, type ModelName, modelPath } from './catalog.ts';
export * from './onnx/index.ts';
export {
  createSession,
  createSessionFromBytes,
  createSessionFromFile,
  ModelFileError,
  sessionOpeners,
  sessionOptions,
} from './session.ts';
export { BLAZEFACE_ANCHOR_HEADS, MODEL_SPECS, type ModelSpec, type TensorSpec } from './specs.ts';
export { convertTfjsGraph } from './tfjs/convert.ts';
export { readTfjsGraphModel, type TfjsGraphModel } from './tfjs/graph-model.ts';
export { CONVERTER_VERSION } from './tfjs/version.ts';
