import type { RgbImage } from '@tooncast/shared';
import { type Box, boxCenter, boxContains, iou, type Point } from '../geometry.ts';
import { type Detection, type FaceDetector, roiFromDetection } from './detector.ts';
import { appearanceOf } from './identity.ts';
import { type FaceMeshEstimator, type Landmarks, roiFromLandmarks } from './mesh.ts';
import type { TargetIdentity } from './tracker.ts';

/** The user's pick (the patent's click or framing): a point or a box on the frame at `timeSec`. */
export interface TargetSpec {
  timeSec: number;
  point?: Point;
  box?: Box;
}

export class TargetSpecError extends Error {
  override name = 'TargetSpecError';
}

/** Parses `T,X,Y` (a click) or `T,X,Y,W,H` (a box): T in seconds, the rest in frame pixels. */
export function parseTargetSpec(text: string): TargetSpec {
  const parts = text.split(',').map((p) => p.trim());
  const nums = parts.map(Number);
  if ((parts.length !== 3 && parts.length !== 5) || nums.some((n) => !Number.isFinite(n))) {
    throw new TargetSpecError(`target must be T,X,Y or T,X,Y,W,H (seconds, pixels), got "${text}"`);
  }
  if (nums.some((n) => n < 0)) throw new TargetSpecError(`target values must not be negative, got "${text}"`);
  const [timeSec, x, y, w, h] = nums;
  if (parts.length === 3) return { timeSec, point: [x, y] };
  if (w <= 0 || h <= 0) throw new TargetSpecError(`target box must have a positive size, got "${text}"`);
  return { timeSec, box: { x, y, w, h } };
}

export class TargetNotFoundError extends Error {
  override name = 'TargetNotFoundError';
  constructor(
    readonly spec: TargetSpec,
    readonly faces: Box[],
  ) {
    const where = spec.point ? `point ${spec.point.map(Math.round).join(',')}` : `box ${fmtBox(spec.box!)}`;
    const found = faces.length
      ? `faces found there: ${faces.map(fmtBox).join('; ')}`
      : 'no face was found in that frame';
    super(`no face at ${where} at ${spec.timeSec}s; ${found}`);
  }
}

export interface PickedTarget extends TargetIdentity {
  landmarks: Landmarks;
  /** The mouth's outer height on the picked frame (see MouthReading): a first reading of its height at rest. */
  mouthHeight?: number;
}

/**
 * Finds the face the user pointed at. A cartoon head is larger than BlazeFace's tight face box, so a click counts
 * when it falls within the box grown by half; among several, the nearest centre wins.
 */
export async function pickTarget(
  frame: RgbImage,
  spec: TargetSpec,
  detector: FaceDetector,
  mesh: FaceMeshEstimator,
  minPresence: number,
): Promise<PickedTarget> {
  const detections = await detector.detectFrame(frame);
  const chosen = spec.point ? byPoint(detections, spec.point) : byBox(detections, spec.box!);
  if (chosen) {
    const first = await mesh.estimate(frame, roiFromDetection(chosen));
    if (first.presence >= minPresence) {
      const refined = await mesh.estimate(frame, roiFromLandmarks(first.landmarks));
      const landmarks = refined.presence >= minPresence ? refined.landmarks : first.landmarks;
      return { landmarks, appearance: appearanceOf(frame, landmarks), box: chosen.box };
    }
  }
  throw new TargetNotFoundError(
    spec,
    detections.map((d) => d.box),
  );
}

function byPoint(dets: Detection[], [x, y]: Point): Detection | undefined {
  const hits = dets.filter((d) => boxContains(grow(d.box, 1.5), x, y));
  const dist = (d: Detection) => Math.hypot(boxCenter(d.box)[0] - x, boxCenter(d.box)[1] - y);
  return hits.sort((a, b) => dist(a) - dist(b))[0];
}

function byBox(dets: Detection[], box: Box): Detection | undefined {
  const scored = dets.map((d) => ({ d, overlap: iou(d.box, box) })).filter((s) => s.overlap > 0.1);
  return scored.sort((a, b) => b.overlap - a.overlap)[0]?.d;
}

function grow(b: Box, f: number): Box {
  return { x: b.x - (b.w * (f - 1)) / 2, y: b.y - (b.h * (f - 1)) / 2, w: b.w * f, h: b.h * f };
}

function fmtBox(b: Box): string {
  return `${Math.round(b.x)},${Math.round(b.y)},${Math.round(b.w)}x${Math.round(b.h)}`;
}
