import type { Config } from '@tooncast/shared';
import type ort from 'onnxruntime-node';
import type { OpenSession } from '../generation/fromConfig.ts';
import { BuiltinStylizer, paletteTint, type Stylizer, type StylizerParams, UserStylizer } from './stylizer.ts';

/** The stylizer the configuration names: 'builtin' (generated graph) or the path of a user ONNX stylizer. */
export async function stylizerFromConfig(
  face: Config['face'],
  openSession: OpenSession,
  sessionOptions?: ort.InferenceSession.SessionOptions,
): Promise<Stylizer> {
  if (face.stylizer === 'builtin') return BuiltinStylizer.create(sessionOptions);
  return new UserStylizer(await openSession(face.stylizer), face.stylizerSize || undefined);
}

/** The built-in stylizer's parameters for one character: configured line style, palette tint from skin tones. */
export function stylizerParams(
  face: Config['face'],
  faceSkin: readonly [number, number, number],
  characterSkin: readonly [number, number, number],
): StylizerParams {
  return {
    tint: paletteTint(faceSkin, characterSkin, face.paletteTint),
    outlineDarkness: face.outlineDarkness,
    lineWeight: face.lineWeight,
    levels: face.colorLevels,
    detail: 0,
  };
}
