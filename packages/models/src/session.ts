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

/** Opens a built model file with the same options as the face models. */
export async function createSessionFromFile(file: string, config: Config): Promise<ort.InferenceSession> {
  if (!existsSync(file)) throw new Error(`model file ${file} is missing; run npm run setup (builds the models)`);
  return ort.InferenceSession.create(file, sessionOptions(config));
}

/** An ONNX file the configuration names (a user's stylizer or face generator) that is missing or no model. */
export class ModelFileError extends Error {
  override name = 'ModelFileError';
}

/** Opens an ONNX file the configuration names: what is wrong with it is the user's to mend, not a setup's. */
async function openConfiguredFile(file: string, config: Config): Promise<ort.InferenceSession> {
  if (!existsSync(file)) throw new ModelFileError(`${file} does not exist`);
  try {
    return await ort.InferenceSession.create(file, sessionOptions(config));
  } catch (err) {
    throw new ModelFileError(`${file} is not an ONNX model onnxruntime can open (${(err as Error).message})`);
  }
}

/** Opens an ONNX model held in memory (e.g. one just built with OnnxGraphBuilder) with the same options. */
export function createSessionFromBytes(bytes: Uint8Array, config: Config): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, sessionOptions(config));
}

/** The session openers the engine takes (it reads no files itself): face models by name, ONNX files by path. */
export function sessionOpeners(config: Config) {
  return {
    model: (name: ModelName) => createSession(name, config),
    file: (file: string) => openConfiguredFile(file, config),
    options: sessionOptions(config),
  };
}
