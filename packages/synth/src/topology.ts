/**
 * The MediaPipe face-mesh topology (468 landmarks) read at run time from @vladmandic/human's source, so our synthetic
 * head uses the very indices FaceMesh predicts: ground-truth landmark i is mesh vertex i.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

interface FaceMeshCoords {
  UV468: [number, number][];
  TRI468: number[];
  meshAnnotations: Record<string, number[]>;
}

// The package's export map hides src/, so locate it next to the resolved entry point (dist/ and src/ are siblings).
const humanEntry = createRequire(import.meta.url).resolve('@vladmandic/human');
const coordsPath = join(dirname(humanEntry), '..', 'src', 'face', 'facemeshcoords.ts');
const { UV468, TRI468, meshAnnotations } = (await import(pathToFileURL(coordsPath).href)) as FaceMeshCoords;
if (UV468?.length !== 468 || TRI468?.length % 3 !== 0 || !meshAnnotations) {
  throw new Error(`unexpected face-mesh topology in ${coordsPath}`);
}

export const LANDMARK_COUNT = 468;

/** Canonical 2-D (unwrapped) landmark positions, u right, v down, both in [0, 1]. */
export const CANONICAL_UV: readonly (readonly [number, number])[] = UV468;

/** Face-mesh triangles as vertex index triples (flat). */
export const FACE_TRIANGLES: readonly number[] = TRI468;

function organ(name: string): readonly number[] {
  const list = meshAnnotations[name];
  if (!list) throw new Error(`face-mesh annotation "${name}" is missing from @vladmandic/human`);
  return list;
}

/** Named organ index lists. "right"/"left" are the subject's sides (MediaPipe naming): right eye = image left. */
export const ORGANS = {
  silhouette: organ('silhouette'),
  lipsUpperOuter: organ('lipsUpperOuter'),
  lipsLowerOuter: organ('lipsLowerOuter'),
  lipsUpperInner: organ('lipsUpperInner'),
  lipsLowerInner: organ('lipsLowerInner'),
  lipsUpperSemiOuter: organ('lipsUpperSemiOuter'),
  lipsLowerSemiOuter: organ('lipsLowerSemiOuter'),
  lipsUpperSemiInner: organ('lipsUpperSemiInner'),
  lipsLowerSemiInner: organ('lipsLowerSemiInner'),
  rightEyeUpper0: organ('rightEyeUpper0'),
  rightEyeLower0: organ('rightEyeLower0'),
  rightEyeUpper1: organ('rightEyeUpper1'),
  rightEyeLower1: organ('rightEyeLower1'),
  rightEyeUpper2: organ('rightEyeUpper2'),
  rightEyebrowUpper: organ('rightEyebrowUpper'),
  rightEyebrowLower: organ('rightEyebrowLower'),
  leftEyeUpper0: organ('leftEyeUpper0'),
  leftEyeLower0: organ('leftEyeLower0'),
  leftEyeUpper1: organ('leftEyeUpper1'),
  leftEyeLower1: organ('leftEyeLower1'),
  leftEyeUpper2: organ('leftEyeUpper2'),
  leftEyebrowUpper: organ('leftEyebrowUpper'),
  leftEyebrowLower: organ('leftEyebrowLower'),
} as const;

/** Single landmarks the generator and the metrics refer to by meaning. */
export const LANDMARK = {
  foreheadTop: 10,
  chin: 152,
  noseTip: 1,
  noseBottom: 2,
  noseBridge: 168,
  rightEyeOuter: 33,
  rightEyeInner: 133,
  rightEyeTop: 159,
  rightEyeBottom: 145,
  leftEyeInner: 362,
  leftEyeOuter: 263,
  leftEyeTop: 386,
  leftEyeBottom: 374,
  mouthRight: 61,
  mouthLeft: 291,
  upperLipInner: 13,
  lowerLipInner: 14,
  rightCheek: 205,
  leftCheek: 425,
} as const;
