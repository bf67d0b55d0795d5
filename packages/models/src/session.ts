import { existsSync } from 'node:fs';
import type { Config } from '@tooncast/shared';
import ort from 'onnxruntime-node';
import { type ModelName, modelPath } from './catalog.ts';

/** onnxruntime session options from the one config: thread count, execution providers, full graph optimization. */
export function sessionOptions(config: Config): ort.InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: config.models.intraOpThreads,
    interOpNumThreads: 1,
    executionProviders: config.models.executionProvider === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
    graphOptimizationLevel: 'all',
    // Warnings only: the BlazeFace files carry a few unused initializers ORT reports at every load.
    logSeverityLevel: 3,
  };
}

/** Opens one of the built face models; throws a clear error when the build has not run. */
export function createSession(name: ModelName, config: Config): Promise<ort.InferenceSession> {
  return createSessionFromFile(modelPath(name, config), config);
}

/** Opens any ONNX file (e.g. a generated stylizer) with the same options as the face models. */
export async function createSessionFromFile(file: string, config: Config): Promise<ort.InferenceSession> {
  if (!existsSync(file)) throw new Error(`model file ${file} is missing; run npm run setup (builds the models)`);
  return ort.InferenceSession.create(file, sessionOptions(config));
}

/** Opens an ONNX model held in memory (e.g. one just built with OnnxGraphBuilder) with the same options. */
export function createSessionFromBytes(bytes: Uint8Array, config: Config): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, sessionOptions(config));
}

/** The session openers the engine takes (it reads no files itself): face models by name, ONNX files by path. */
export function sessionOpeners(config: Config) {
  return {
    model: (name: ModelName) => createSession(name, config),
    file: (file: string) => createSessionFromFile(file, config),
    options: sessionOptions(config),
  };
}
