import type { RgbImage } from '@tooncast/shared';
import { type Affine, applyAffine, fitSimilarity, type Point } from '../geometry.ts';
import type { FaceTopology } from '../topology.ts';
import type { Landmarks } from './mesh.ts';
import { strokeSegment } from './stroke.ts';

/** The organs of the patent's contour figure, in channel order of its canonical tensor. */
export const ORGANS = ['faceOval', 'brows', 'eyes', 'irises', 'nose', 'lipsOuter', 'lipsInner'] as const;
export type Organ = (typeof ORGANS)[number];

/** Side length of the canonical aligned crop the contour figure is rasterized into. */
export const CANONICAL_SIZE = 256;
/** Border of the canonical crop around the face mesh's UV square, so the face oval is never clipped. */
const CANONICAL_MARGIN = 0.12;

/** Organ polylines as landmark index lists; `closed` rings join their last point to the first. */
export interface OrganPath {
  organ: Organ;
  indices: readonly number[];
  closed: boolean;
}

/**
 * The contour figure of one frame: the keypoints of each organ connected into polylines, in frame pixels and in the
 * canonical crop, and rasterized there as one channel per organ — the artefact the face generator consumes.
 */
export interface ContourFigure {
  /** Polylines in frame pixels. */
  polylines: { organ: Organ; points: Point[]; closed: boolean }[];
  /** Frame pixels → canonical crop pixels (a similarity fitted on expression-stable landmarks). */
  toCanonical: Affine;
  /** ORGANS.length × CANONICAL_SIZE × CANONICAL_SIZE line coverage in [0,1], channel-major (CHW). */
  canonical: Float32Array;
}

/** Eye corners, nose bridge and temples: points that expressions barely move, so alignment ignores the expression. */
const ALIGNMENT_INDICES = [33, 133, 362, 263, 168, 6, 197, 195, 5, 4, 1, 10, 234, 454, 127, 356];
/** Nose bridge (between the eyes to the tip) and the nostril line. */
const NOSE_BRIDGE = [168, 6, 197, 195, 5, 4, 1];
const NOSE_BASE = [98, 97, 2, 326, 327];

/** Builds the organ paths from the mesh topology's named index lists. */
export function organPaths(topology: FaceTopology): OrganPath[] {
  const a = topology.annotations;
  const ring = (lower: string, upper: string) => [...a[lower], ...[...a[upper]].reverse()];
  return [
    { organ: 'faceOval', indices: a.silhouette, closed: true },
    { organ: 'brows', indices: ring('rightEyebrowUpper', 'rightEyebrowLower'), closed: true },
    { organ: 'brows', indices: ring('leftEyebrowUpper', 'leftEyebrowLower'), closed: true },
    { organ: 'eyes', indices: ring('rightEyeLower0', 'rightEyeUpper0'), closed: true },
    { organ: 'eyes', indices: ring('leftEyeLower0', 'leftEyeUpper0'), closed: true },
    { organ: 'nose', indices: NOSE_BRIDGE, closed: false },
    { organ: 'nose', indices: NOSE_BASE, closed: false },
    { organ: 'lipsOuter', indices: ring('lipsLowerOuter', 'lipsUpperOuter'), closed: true },
    { organ: 'lipsInner', indices: ring('lipsLowerInner', 'lipsUpperInner'), closed: true },
  ];
}

/** Canonical crop positions of the alignment landmarks, from the mesh's frontal UV layout. */
export function canonicalAnchors(topology: FaceTopology): Point[] {
  const span = CANONICAL_SIZE * (1 - 2 * CANONICAL_MARGIN);
  const off = CANONICAL_SIZE * CANONICAL_MARGIN;
  return ALIGNMENT_INDICES.map((i) => [off + topology.uv[i][0] * span, off + topology.uv[i][1] * span]);
}

/** Iris centre and radius per eye, in frame pixels; from the iris model or estimated from the eye ring. */
export interface Iris {
  center: Point;
  radius: number;
}

export class ContourFigureBuilder {
  private readonly paths: OrganPath[];
  private readonly anchors: Point[];

  constructor(topology: FaceTopology) {
    this.paths = organPaths(topology);
    this.anchors = canonicalAnchors(topology);
  }

  build(landmarks: Landmarks, irises: readonly Iris[]): ContourFigure {
    const at = (i: number): Point => [landmarks[3 * i], landmarks[3 * i + 1]];
    const polylines = this.paths.map((p) => ({ organ: p.organ, points: p.indices.map(at), closed: p.closed }));
    for (const iris of irises) polylines.push({ organ: 'irises', points: circle(iris, 16), closed: true });
    const toCanonical = fitSimilarity(ALIGNMENT_INDICES.map(at), this.anchors);
    const canonical = new Float32Array(ORGANS.length * CANONICAL_SIZE * CANONICAL_SIZE);
    const plane = CANONICAL_SIZE * CANONICAL_SIZE;
    for (const line of polylines) {
      const base = ORGANS.indexOf(line.organ) * plane;
      const pts = line.points.map(([x, y]) => applyAffine(toCanonical, x, y));
      forEachSegment(pts, line.closed, (p, q) =>
        strokeSegment(CANONICAL_SIZE, CANONICAL_SIZE, p[0], p[1], q[0], q[1], 1, (i, c) => {
          if (c > canonical[base + i]) canonical[base + i] = c;
        }),
      );
    }
    return { polylines, toCanonical, canonical };
  }
}

/** Debug colours per organ (RGB). */
const ORGAN_COLOURS: Record<Organ, readonly [number, number, number]> = {
  faceOval: [255, 255, 255],
  brows: [255, 170, 0],
  eyes: [0, 220, 255],
  irises: [0, 120, 255],
  nose: [120, 255, 120],
  lipsOuter: [255, 60, 120],
  lipsInner: [255, 150, 200],
};

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
