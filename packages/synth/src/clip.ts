/** renderClip: the scripted scene rendered frame by frame, with per-frame ground truth for both characters. */
import type { RgbImage } from '@tooncast/shared';
import { type CharacterLook, type CharacterState, type RenderedCharacter, renderCharacter } from './character.ts';
import { hedgeLayer, paintBackground, paintBall } from './scenery.ts';
import { type CharacterId, DISTRACTOR_LOOK, planScript, scriptAt, TARGET_LOOK } from './script.ts';
import type { CharacterTruth, FrameTruth } from './truth.ts';

export interface ClipSpec {
  width: number;
  height: number;
  fps: number;
  durationSec: number;
  /** Varies syllables, blink timing and the scenery layout. */
  seed: number;
  target: CharacterLook;
  distractor: CharacterLook;
}

/** The built-in demo clip: 10 s, 24 fps, 640×360. */
export const DEMO_CLIP: Readonly<ClipSpec> = Object.freeze({
  width: 640,
  height: 360,
  fps: 24,
  durationSec: 10,
  seed: 7,
  target: TARGET_LOOK,
  distractor: DISTRACTOR_LOOK,
});

export interface ClipFrame {
  image: RgbImage;
  truth: FrameTruth;
}

function validate(spec: ClipSpec): void {
  const positiveInt = (name: string, v: number, min: number, max: number) => {
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new RangeError(`clip ${name} must be an integer in [${min}, ${max}], got ${v}`);
    }
  };
  positiveInt('width', spec.width, 64, 4096);
  positiveInt('height', spec.height, 64, 4096);
  positiveInt('seed', spec.seed, 0, 2 ** 32 - 1);
  if (!(spec.fps > 0 && spec.fps <= 120)) throw new RangeError(`clip fps must be in (0, 120], got ${spec.fps}`);
  if (!(spec.durationSec >= 1 && spec.durationSec <= 600)) {
    throw new RangeError(`clip durationSec must be in [1, 600], got ${spec.durationSec}`);
  }
}

export const frameCount = (spec: ClipSpec) => Math.round(spec.durationSec * spec.fps);

const DEG = 180 / Math.PI;

function toTruth(
  id: CharacterId,
  state: CharacterState,
  rendered: RenderedCharacter,
  occludedArea: number,
): CharacterTruth {
  let x0 = Number.POSITIVE_INFINITY;
  let y0 = Number.POSITIVE_INFINITY;
  let x1 = Number.NEGATIVE_INFINITY;
  let y1 = Number.NEGATIVE_INFINITY;
  for (const [x, y] of rendered.landmarks) {
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  const total = rendered.faceAreaTotal || 1;
  const inFrame = rendered.faceAreaInFrame / total;
  const occluded = occludedArea / total;
  return {
    id,
    visible: inFrame >= 0.5 && occluded < 0.5,
    inFrame,
    occluded,
    box: { x: x0, y: y0, w: x1 - x0, h: y1 - y0 },
    landmarks: rendered.landmarks,
    mouthOpen: state.expression.mouthOpen,
    eyeOpenLeft: state.expression.eyeOpenLeft,
    eyeOpenRight: state.expression.eyeOpenRight,
    browRaise: state.expression.browRaise,
    yaw: state.pose.yaw * DEG,
    pitch: state.pose.pitch * DEG,
    roll: state.pose.roll * DEG,
  };
}

export interface ClipRenderer {
  readonly spec: Readonly<ClipSpec>;
  readonly frameCount: number;
  /** Renders frame `index` (0-based); any order, same bytes every time. */
  render(index: number): ClipFrame;
}

/** Random-access renderer: paints the scenery and plans the script once, then renders any frame on demand. */
export function createClipRenderer(spec: ClipSpec = DEMO_CLIP): ClipRenderer {
  validate(spec);
  const background = paintBackground(spec.width, spec.height, spec.seed);
  const plan = planScript(spec.durationSec, spec.seed);
  const hedge = hedgeLayer(spec.width, spec.height);
  const n = frameCount(spec);
  return {
    spec,
    frameCount: n,
    render(index) {
      if (!Number.isInteger(index) || index < 0 || index >= n) {
        throw new RangeError(`frame index must be an integer in [0, ${n - 1}], got ${index}`);
      }
      const timeSec = index / spec.fps;
      const image: RgbImage = { width: spec.width, height: spec.height, data: background.data.slice() };
      const scene = scriptAt(plan, timeSec, spec.width, spec.height);
      // Back to front: distractor, target, ball, hedge.
      const distractor = renderCharacter(image, spec.distractor, scene.distractor);
      const target = renderCharacter(image, spec.target, scene.target);
      let targetOccluded = 0;
      if (scene.ball) {
        const cover = paintBall(image, scene.ball);
        const { faceCoverage: fc, faceX0, faceY0, faceW } = target;
        for (let k = 0; k < fc.length; k++) {
          if (fc[k] > 0) targetOccluded += fc[k] * cover(faceX0 + (k % faceW), faceY0 + Math.floor(k / faceW));
        }
      }
      hedge.paint(image);
      return {
        image,
        truth: {
          index,
          timeSec,
          characters: [
            toTruth('target', scene.target, target, targetOccluded),
            toTruth('distractor', scene.distractor, distractor, 0),
          ],
        },
      };
    },
  };
}

/** Renders the clip frame by frame, in order; deterministic for a given spec. */
export function* renderClip(spec: ClipSpec = DEMO_CLIP): Generator<ClipFrame> {
  const renderer = createClipRenderer(spec);
  for (let index = 0; index < renderer.frameCount; index++) yield renderer.render(index);
}
