import type { RgbImage } from '@tooncast/shared';
import { ORGAN_COLOURS } from '@tooncast/shared/debug-view';
import { type Affine, applyAffine, type Point } from '../geometry.ts';
import { type FaceSpace, frameToFaceSpace } from '../image/faceSpace.ts';
import type { Landmarks } from './mesh.ts';
import { strokeSegment } from './stroke.ts';

/** The organs of the patent's contour figure, in channel order of its canonical tensor. */
export const ORGANS = ['faceOval', 'brows', 'eyes', 'irises', 'nose', 'lipsOuter', 'lipsInner'] as const;
export type Organ = (typeof ORGANS)[number];

/** Organ polylines as landmark index lists; `closed` rings join their last point to the first. */
export interface OrganPath {
  organ: Organ;
  indices: readonly number[];
  closed: boolean;
}

/**
 * The contour figure of one frame: the keypoints of each organ connected into polylines, in frame pixels and in the
 * face space, and rasterized there as one channel per organ — the artefact the face generator consumes.
 */
export interface ContourFigure {
  /** Polylines in frame pixels. */
  polylines: { organ: Organ; points: Point[]; closed: boolean }[];
  /** Frame pixels → face space (a similarity fitted on expression-stable landmarks). */
  toFaceSpace: Affine;
  /** Side of the face space the figure is rasterized in. */
  size: number;
  /** ORGANS.length × size × size line coverage in [0,1], channel-major (CHW). */
  planes: Float32Array;
}

/** Eye corners, nose bridge and temples: points that expressions barely move, so alignment ignores the expression. */
const ALIGNMENT_INDICES = [33, 133, 362, 263, 168, 6, 197, 195, 5, 4, 1, 10, 234, 454, 127, 356];
/** Nose bridge (between the eyes to the tip) and the nostril line. */
const NOSE_BRIDGE = [168, 6, 197, 195, 5, 4, 1];
const NOSE_BASE = [98, 97, 2, 326, 327];

/** The organ paths: the face space's organ rings plus the nose, which has no ring. */
export function organPaths(space: FaceSpace): OrganPath[] {
  const c = space.contours;
  return [
    { organ: 'faceOval', indices: c.faceOval, closed: true },
    { organ: 'brows', indices: c.rightBrow, closed: true },
    { organ: 'brows', indices: c.leftBrow, closed: true },
    { organ: 'eyes', indices: c.rightEye, closed: true },
    { organ: 'eyes', indices: c.leftEye, closed: true },
    { organ: 'nose', indices: NOSE_BRIDGE, closed: false },
    { organ: 'nose', indices: NOSE_BASE, closed: false },
    { organ: 'lipsOuter', indices: c.outerLips, closed: true },
    { organ: 'lipsInner', indices: c.innerLips, closed: true },
  ];
}

/** Iris centre and radius per eye, in frame pixels; from the iris model or estimated from the eye ring. */
export interface Iris {
  center: Point;
  radius: number;
}

export class ContourFigureBuilder {
  private readonly paths: OrganPath[];

  constructor(private readonly space: FaceSpace) {
    this.paths = organPaths(space);
  }

  /** Frame pixels → face space for these landmarks, fitted on expression-stable points. */
  toFaceSpace(landmarks: Landmarks): Affine {
    return frameToFaceSpace(this.space, landmarks, ALIGNMENT_INDICES);
  }

  /** The figure; `planes` may be a caller-owned buffer to rasterize into (it is cleared first). */
  build(landmarks: Landmarks, irises: readonly Iris[], planes?: Float32Array): ContourFigure {
    const at = (i: number): Point => [landmarks[3 * i], landmarks[3 * i + 1]];
    const polylines = this.paths.map((p) => ({ organ: p.organ, points: p.indices.map(at), closed: p.closed }));
    for (const iris of irises) polylines.push({ organ: 'irises', points: circle(iris, 16), closed: true });
    const toFaceSpace = this.toFaceSpace(landmarks);
    const size = this.space.size;
    const plane = size * size;
    const length = ORGANS.length * plane;
    if (planes && planes.length !== length) throw new RangeError(`contour planes need ${length} floats`);
    planes = planes ? planes.fill(0) : new Float32Array(length);
    for (const line of polylines) {
      const base = ORGANS.indexOf(line.organ) * plane;
      const pts = line.points.map(([x, y]) => applyAffine(toFaceSpace, x, y));
      forEachSegment(pts, line.closed, (p, q) =>
        strokeSegment(size, size, p[0], p[1], q[0], q[1], 1, (i, c) => {
          if (c > planes[base + i]) planes[base + i] = c;
        }),
      );
    }
    return { polylines, toFaceSpace, size, planes: planes as Float32Array };
  }
}

/** Draws the contour figure over a copy of the frame (the debug view). */
export function drawContourFigure(frame: RgbImage, figure: ContourFigure, halfWidth = 1): RgbImage {
  const data = Uint8Array.from(frame.data);
  for (const line of figure.polylines) {
    const colour = ORGAN_COLOURS[line.organ];
    forEachSegment(line.points, line.closed, (p, q) =>
      strokeSegment(frame.width, frame.height, p[0], p[1], q[0], q[1], halfWidth, (i, c) => {
        for (let ch = 0; ch < 3; ch++) data[3 * i + ch] += (colour[ch] - data[3 * i + ch]) * c;
      }),
    );
  }
  return { width: frame.width, height: frame.height, data };
}

function forEachSegment(points: readonly Point[], closed: boolean, fn: (p: Point, q: Point) => void): void {
  for (let i = 0; i + 1 < points.length; i++) fn(points[i], points[i + 1]);
  if (closed && points.length > 2) fn(points[points.length - 1], points[0]);
}

function circle(iris: Iris, segments: number): Point[] {
  const pts: Point[] = [];
  for (let k = 0; k < segments; k++) {
    const t = (2 * Math.PI * k) / segments;
    pts.push([iris.center[0] + iris.radius * Math.cos(t), iris.center[1] + iris.radius * Math.sin(t)]);
  }
  return pts;
}
