import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createFloatMap, type RgbImage } from '@tooncast/shared';
import { type ClipFrame, DEMO_CLIP, renderClip } from '@tooncast/synth';
import { Compositor, eyeDiscs } from '../src/composite/index.ts';
import {
  FaceFusion,
  FusionHistory,
  MeshFaceGenerator,
  prepareSelfieFeatures,
  type SelfieFeatures,
} from '../src/generation/index.ts';
import { invertAffine } from '../src/geometry.ts';
import {
  boxBlurFloat,
  createFaceSpace,
  fillPolygon,
  frameToFaceSpace,
  meanAbsDiff,
  polygonBounds,
  transformPoints,
} from '../src/image/index.ts';
import { BuiltinStylizer } from '../src/stylize/index.ts';
import { loadFaceTopology } from '../src/topology.ts';
import { fixture, loadPng, openAnalysisModels } from './support.ts';

/**
 * Steps 2–4 end to end on real data: the astronaut selfie (landmarks from the real FaceMesh) put into the synthetic
 * cartoon clip, whose target character's landmarks and scripted expression are ground truth.
 */
const topology = await loadFaceTopology();
const space = createFaceSpace(topology, 192);
const FRAMES = [0, 24, 32, 44, 63];
/** The compositor's feather (a fraction of the oval's width): how far out of the oval features are covered. */
const FEATHER = 0.08;
let selfie: SelfieFeatures;
const clip = new Map<number, ClipFrame>();
/** The target's ground-truth landmarks of every frame up to the last one used. */
const truths: ClipFrame['truth'][] = [];

before(async () => {
  const models = await openAnalysisModels();
  const photo = loadPng(fixture('selfies', 'astronaut.png'));
  const picked = await models.pick(photo, { timeSec: 0, point: [222, 120] });
  selfie = prepareSelfieFeatures(space, photo, picked.landmarks);
  for (const frame of renderClip(DEMO_CLIP)) {
    truths.push(frame.truth);
    if (FRAMES.includes(frame.truth.index)) clip.set(frame.truth.index, frame);
    if (frame.truth.index >= Math.max(...FRAMES)) break;
  }
});

function targetOf(frame: Pick<ClipFrame, 'truth'>) {
  const t = frame.truth.characters.find((c) => c.id === 'target')!;
  const landmarks = new Float32Array(468 * 3);
  t.landmarks.forEach(([x, y], k) => {
    landmarks.set([x, y, 0], 3 * k);
  });
  return { truth: t, landmarks };
}

describe('steps 2–4 on the synthetic clip with the astronaut selfie', () => {
  it('replaces only the character’s face (into the frame itself too) and follows its mouth and eyes', async () => {
    const generator = new MeshFaceGenerator(space);
    const stylizer = await BuiltinStylizer.create();
    const c = space.contours;
    const compositor = new Compositor(c, { feather: FEATHER });
    const inPlaceCompositor = new Compositor(c, { feather: FEATHER });
    const fusion = new FaceFusion();
    const history = new FusionHistory();
    const neutral = transformPoints(
      frameToFaceSpace(space, targetOf(clip.get(0)!).landmarks),
      targetOf(clip.get(0)!).landmarks,
    );
    const mouthLuma: Record<number, number> = {};
    const eyeLuma: Record<number, number> = {};
    for (const index of FRAMES) {
      const frame = clip.get(index)!;
      const { truth, landmarks } = targetOf(frame);
      const toFace = frameToFaceSpace(space, landmarks);
      const faceLandmarks = transformPoints(toFace, landmarks);
      const first = generator.generateSync({ landmarks: faceLandmarks, neutralLandmarks: neutral }, selfie);
      const { finalFace } = fusion.fuse(first, history);
      const styled = await stylizer.stylize(finalFace);
      const out = compositor.composite(frame.image, styled, { faceToFrame: invertAffine(toFace), landmarks });
      // Into the frame itself, as the live worker composites: the same pixels.
      const copy = { ...frame.image, data: Uint8Array.from(frame.image.data) };
      const inPlace = inPlaceCompositor.composite(copy, styled, { faceToFrame: invertAffine(toFace), landmarks }, copy);
      assert.equal(inPlace, copy, 'the output is the frame given');
      assert.ok(Buffer.from(inPlace.data).equals(Buffer.from(out.data)), `frame ${index}: composited in place differs`);

      // Nothing outside the face oval's box changes but the character's own features next to it (a turned head's far
      // eye and brow stick out of the oval: they are covered, within the feather's width); inside, the face changed.
      const ring = (idx: readonly number[]) => idx.flatMap((i) => [landmarks[3 * i], landmarks[3 * i + 1]]);
      const oval = ring(space.contours.faceOval);
      const box = polygonBounds(oval, out.width, out.height, 1);
      const margin = Math.ceil(FEATHER * Math.max(box.x1 - box.x0, box.y1 - box.y0)) + 1;
      const features = createFloatMap(out.width, out.height);
      for (const idx of [c.outerLips, c.rightEye, c.leftEye, c.rightBrow, c.leftBrow])
        fillPolygon(features, ring(idx), 1);
      for (const disc of eyeDiscs(ring(c.rightEye), ring(c.leftEye))) fillPolygon(features, disc, 1);
      const nearFeature = boxBlurFloat(features, margin).data;
      let inside = 0;
      for (let y = 0; y < out.height; y++) {
        for (let x = 0; x < out.width; x++) {
          const k = (y * out.width + x) * 3;
          const same =
            out.data[k] === frame.image.data[k] &&
            out.data[k + 1] === frame.image.data[k + 1] &&
            out.data[k + 2] === frame.image.data[k + 2];
          if (x < box.x0 || x >= box.x1 || y < box.y0 || y >= box.y1)
            assert.ok(same || nearFeature[k / 3] > 0, `frame ${index}: pixel ${x},${y} outside the face changed`);
          else if (!same) inside++;
        }
      }
      assert.ok(
        inside > 0.3 * (box.x1 - box.x0) * (box.y1 - box.y0),
        `frame ${index}: face barely replaced (${inside} px)`,
      );

      // The first face image's mouth: mean luma between the inner lips' midpoints, in the generated geometry.
      const g = generator.targetGeometry({ landmarks: faceLandmarks, neutralLandmarks: neutral }, selfie);
      mouthLuma[index] = lumaBetween(first, g, 13, 14);
      // The right eye: iris luma at the eye centre when open; just above the lid line when closed.
      const eyeX = (g[3 * 159] + g[3 * 145]) / 2;
      const eyeY =
        truth.eyeOpenRight < 0.05
          ? Math.min(g[3 * 159 + 1], g[3 * 145 + 1]) - 2
          : (g[3 * 159 + 1] + g[3 * 145 + 1]) / 2;
      eyeLuma[index] = lumaAt(first, eyeX, eyeY);
    }
    // Open-mouth frames (24, 63) show a darker mouth than closed-mouth frames (0, 44: shut since 41).
    assert.ok(
      Math.max(mouthLuma[24], mouthLuma[63]) < Math.min(mouthLuma[0], mouthLuma[44]) - 15,
      JSON.stringify(mouthLuma),
    );
    // The blink frame (32) shows lid skin where the open frames show the dark iris.
    assert.ok(eyeLuma[32] > Math.max(eyeLuma[0], eyeLuma[44]) + 25, JSON.stringify(eyeLuma));
  });
});

describe('step 2 fusion on the clip', () => {
  it('steadies landmark jitter without losing the expression', () => {
    const generator = new MeshFaceGenerator(space);
    let seed = 11;
    const noise = () => {
      // Deterministic ~N(0, 0.8²) px: the jitter a landmark detector adds frame to frame.
      let sum = 0;
      for (let k = 0; k < 4; k++) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        sum += seed / 2147483648 - 0.5;
      }
      return sum * 0.8 * Math.sqrt(3);
    };
    const on = new FaceFusion();
    const off = new FaceFusion({ enabled: false });
    const histories = [new FusionHistory(), new FusionHistory()];
    const firsts: RgbImage[] = [];
    const finals: RgbImage[] = [];
    let neutral: Float32Array | undefined;
    for (const truth of truths) {
      const { landmarks } = targetOf({ truth });
      for (let i = 0; i < landmarks.length; i += 3) {
        landmarks[i] += noise();
        landmarks[i + 1] += noise();
      }
      const faceLandmarks = transformPoints(frameToFaceSpace(space, landmarks), landmarks);
      neutral ??= faceLandmarks;
      const first = generator.generateSync({ landmarks: faceLandmarks, neutralLandmarks: neutral }, selfie);
      firsts.push(off.fuse(first, histories[1]).finalFace);
      finals.push(on.fuse(first, histories[0]).finalFace);
    }
    const flicker = (seq: RgbImage[]) =>
      seq.slice(1).reduce((p, img, t) => p + meanAbsDiff(img, seq[t], 24), 0) / (seq.length - 1);
    assert.ok(
      flicker(finals) < 0.8 * flicker(firsts),
      `flicker ${flicker(firsts).toFixed(2)} → ${flicker(finals).toFixed(2)}`,
    );
    // The mouth still opens: frames 24 and 63 (open) against 0 and 44 (closed), in the fused images.
    const mouth = (t: number) => {
      const g = generator.targetGeometry(
        {
          landmarks: transformPoints(
            frameToFaceSpace(space, targetOf({ truth: truths[t] }).landmarks),
            targetOf({ truth: truths[t] }).landmarks,
          ),
          neutralLandmarks: neutral!,
        },
        selfie,
      );
      return lumaBetween(finals[t], g, 13, 14);
    };
    assert.ok(
      Math.max(mouth(24), mouth(63)) < Math.min(mouth(0), mouth(44)) - 10,
      [0, 24, 44, 63].map(mouth).join(' '),
    );
  });
});

/** Mean luma of a 3×3 window. */
function lumaAt(img: RgbImage, x: number, y: number): number {
  let sum = 0;
  for (let dy = -1; dy <= 1; dy++) {
    for (let dx = -1; dx <= 1; dx++) {
      const k = ((Math.round(y) + dy) * img.width + Math.round(x) + dx) * 3;
      sum += (0.299 * img.data[k] + 0.587 * img.data[k + 1] + 0.114 * img.data[k + 2]) / 9;
    }
  }
  return sum;
}

/** Mean luma of the first face image on the segment between two landmarks' middle half. */
function lumaBetween(img: RgbImage, g: Float32Array, a: number, b: number): number {
  let sum = 0;
  for (let s = 0; s <= 10; s++) {
    const t = 0.25 + (0.5 * s) / 10;
    const x = Math.round(g[3 * a] + t * (g[3 * b] - g[3 * a]));
    const y = Math.round(g[3 * a + 1] + t * (g[3 * b + 1] - g[3 * a + 1]));
    const k = (y * img.width + x) * 3;
    sum += (0.299 * img.data[k] + 0.587 * img.data[k + 1] + 0.114 * img.data[k + 2]) / 11;
  }
  return sum;
}
