import type { Config } from '@tooncast/shared';
import type ort from 'onnxruntime-node';
import type { FaceSpace } from '../image/faceSpace.ts';
import { type FaceGenerator, MeshFaceGenerator } from './firstFace.ts';
import { FaceFusion } from './fusion.ts';
import { OnnxFaceGenerator } from './onnxFaceGenerator.ts';

/** Opens an ONNX file; supplied by the caller (CLI, worker), since the engine itself reads no files. */
export type OpenSession = (file: string) => Promise<ort.InferenceSession>;

/** The first face generator the configuration names: 'builtin' or the path of an ONNX generator. */
export async function faceGeneratorFromConfig(
  space: FaceSpace,
  face: Config['face'],
  openSession: OpenSession,
): Promise<FaceGenerator> {
  if (face.generator === 'builtin') return new MeshFaceGenerator(space);
  return new OnnxFaceGenerator(space, await openSession(face.generator), {
    modelSize: face.generatorSize || undefined,
  });
}

/** Step 2's fusion, switched on or off by the configuration. */
export function faceFusionFromConfig(face: Config['face']): FaceFusion {
  return new FaceFusion({ enabled: face.fusion === 'on' });
}
