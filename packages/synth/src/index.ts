/**
 * @tooncast/synth — deterministic synthetic cartoon clips with per-frame ground truth: a shaded toon TARGET character
 * built on the MediaPipe face-mesh topology (so its 468 projected vertices are FaceMesh-indexed landmarks) and a
 * DISTRACTOR character, acting out a script (speech, blinks, brow raises, head turns and tilts, a passing ball, an
 * exit and re-entry), and the frames and times at which a live worker sees such a clip. Pure: no files, no network;
 * the CLI writes PNGs/JSON.
 */
export type { CharacterLook, CharacterState, Rgb } from './character.ts';
export {
  type ClipFrame,
  type ClipRenderer,
  type ClipSpec,
  createClipRenderer,
  DEMO_CLIP,
  frameCount,
  renderClip,
} from './clip.ts';
export type { Expression, Pose } from './head.ts';
export { capturedTimes, liveSchedule } from './live.ts';
export { createRandom } from './random.ts';
export { DISTRACTOR_LOOK, SCRIPT, TARGET_LOOK } from './script.ts';
export { LANDMARK, LANDMARK_COUNT, ORGANS } from './topology.ts';
export {
  type Box,
  type CharacterTruth,
  eyeOpenRatios,
  type FrameTruth,
  interOcular,
  mouthOpenRatio,
  NME_LANDMARK_INDICES,
  nme,
  targetPointAt,
  truthToJson,
} from './truth.ts';
