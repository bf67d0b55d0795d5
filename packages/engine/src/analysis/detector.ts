import { BLAZEFACE_ANCHOR_HEADS } from '@tooncast/models';
import type { RgbImage } from '@tooncast/shared';
import * as ort from 'onnxruntime-node';
import { applyAffine, type Box, iou, type Point } from '../geometry.ts';
import { type Roi, roiToFrame, sampleRoi, wholeFrameRoi } from './roi.ts';

/** One face found by BlazeFace, in frame pixels. Keypoints: right eye, left eye, nose tip, mouth, right ear, left ear. */
export interface Detection {
  box: Box;
  keypoints: Point[];
  score: number;
}

export interface DetectorOptions {
  /** Minimum sigmoid score of a kept face. */
  minScore: number;
  /** Boxes overlapping more than this are blended into one (weighted NMS). */
  nmsIou: number;
}

/**
 * BlazeFace (MediaPipe, Keijiro's ONNX export). The 128 (front) and 256 (back) models share the anchor layout of
 * BLAZEFACE_ANCHOR_HEADS; inputs NHWC in [-1, 1]; regressors are offsets in input pixels: box centre, size, then six
 * keypoints.
 */
export class FaceDetector {
  private readonly anchors: Float32Array;
  private readonly inputName: string;

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly inputSize: 128 | 256,
    private readonly options: DetectorOptions,
  ) {
    this.anchors = makeAnchors();
    this.inputName = session.inputNames[0];
  }

  /** All faces in the whole frame (letterboxed into the model input). */
  detectFrame(frame: RgbImage): Promise<Detection[]> {
    return this.detectInRoi(frame, wholeFrameRoi(frame.width, frame.height));
  }

  /** Faces inside a region of the frame, e.g. around where a lost face was last seen. */
  async detectInRoi(frame: RgbImage, roi: Roi): Promise<Detection[]> {
    const size = this.inputSize;
    // A fresh input per call: sessions of one worker interleave at every await, and onnxruntime reads the input
    // while the call is pending.
    const input = sampleRoi(frame, roi, size, 2 / 255, -1);
    const feeds = { [this.inputName]: new ort.Tensor('float32', input, [1, size, size, 3]) };
    const out = await this.session.run(feeds);
    const [a, b] = BLAZEFACE_ANCHOR_HEADS;
    const scores = concat(out[a.scores].data as Float32Array, out[b.scores].data as Float32Array);
    const regressors = concat(out[a.regressors].data as Float32Array, out[b.regressors].data as Float32Array);
    return this.decode(scores, regressors, roiToFrame(roi, size));
  }

  private decode(scores: Float32Array, reg: Float32Array, toFrame: ReturnType<typeof roiToFrame>): Detection[] {
    const size = this.inputSize;
    const raw: Detection[] = [];
    const minLogit = Math.log(this.options.minScore / (1 - this.options.minScore));
    for (let i = 0; i < scores.length; i++) {
      if (!(scores[i] >= minLogit)) continue;
      const ax = this.anchors[2 * i] * size;
      const ay = this.anchors[2 * i + 1] * size;
      const r = i * 16;
      const cx = ax + reg[r];
      const cy = ay + reg[r + 1];
      const hw = reg[r + 2] / 2;
      const hh = reg[r + 3] / 2;
      // Corners through the ROI map; the whole-frame ROI is upright, so the box stays axis-aligned.
      const [x0, y0] = applyAffine(toFrame, cx - hw, cy - hh);
      const [x1, y1] = applyAffine(toFrame, cx + hw, cy + hh);
      const keypoints: Point[] = [];
      for (let k = 0; k < 6; k++)
        keypoints.push(applyAffine(toFrame, ax + reg[r + 4 + 2 * k], ay + reg[r + 5 + 2 * k]));
      const box = { x: Math.min(x0, x1), y: Math.min(y0, y1), w: Math.abs(x1 - x0), h: Math.abs(y1 - y0) };
      if (!(box.w > 0 && box.h > 0 && Number.isFinite(box.x + box.y + box.w + box.h))) continue;
      raw.push({ box, keypoints, score: 1 / (1 + Math.exp(-scores[i])) });
    }
    return weightedNms(raw, this.options.nmsIou);
  }
}

/** Anchor centres in [0,1]², head by head, row by row, in the order the model's outputs list them. */
function makeAnchors(): Float32Array {
  const out: number[] = [];
  for (const { cellsPerSide: cells, anchorsPerCell: perCell } of BLAZEFACE_ANCHOR_HEADS) {
    for (let y = 0; y < cells; y++) {
      for (let x = 0; x < cells; x++) {
        for (let a = 0; a < perCell; a++) out.push((x + 0.5) / cells, (y + 0.5) / cells);
      }
    }
  }
  return Float32Array.from(out);
}

function concat(a: ArrayLike<number>, b: ArrayLike<number>): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** MediaPipe's blending suppression: overlapping candidates are averaged by score rather than dropped. */
export function weightedNms(dets: Detection[], minIou: number): Detection[] {
  const rest = [...dets].sort((p, q) => q.score - p.score);
  const kept: Detection[] = [];
  while (rest.length) {
    const best = rest[0];
    // The best one always leaves: a box without area overlaps nothing, not even itself.
    const group = rest.filter((d) => d === best || iou(d.box, best.box) > minIou);
    for (const d of group) rest.splice(rest.indexOf(d), 1);
    const total = group.reduce((s, d) => s + d.score, 0);
    const avg = (f: (d: Detection) => number) => group.reduce((s, d) => s + f(d) * d.score, 0) / total;
    kept.push({
      box: { x: avg((d) => d.box.x), y: avg((d) => d.box.y), w: avg((d) => d.box.w), h: avg((d) => d.box.h) },
      keypoints: best.keypoints.map((_, k) => [avg((d) => d.keypoints[k][0]), avg((d) => d.keypoints[k][1])]),
      score: best.score,
    });
  }
  return kept;
}

/** The FaceMesh ROI for a fresh detection: box centre, 1.5× its long side, rotated onto the eye line. */
export function roiFromDetection(det: Detection, scale = 1.5): Roi {
  const [re, le] = det.keypoints;
  return {
    cx: det.box.x + det.box.w / 2,
    cy: det.box.y + det.box.h / 2,
    size: Math.max(det.box.w, det.box.h) * scale,
    angle: Math.atan2(le[1] - re[1], le[0] - re[0]),
  };
}
