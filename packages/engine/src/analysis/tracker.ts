import type { RgbImage } from '@tooncast/shared';
import type { TrackingState } from '@tooncast/shared/protocol';
import { type Box, boxCenter, iou } from '../geometry.ts';
import { type Detection, type FaceDetector, roiFromDetection } from './detector.ts';
import type { OneEuroFilter } from './filter.ts';
import { MIN_FRAME_STEP_SEC } from './frameStep.ts';
import { type AppearanceSignature, appearanceDistance, appearanceOf, blendAppearance } from './identity.ts';
import {
  type FaceMeshEstimator,
  LANDMARK_COUNT,
  type Landmarks,
  MESH_INPUT_LENGTH,
  type MeshResult,
  roiFromLandmarks,
} from './mesh.ts';
import type { Roi } from './roi.ts';

/** 'held': FaceMesh doubted the face, which stays where it was and looks like the target (see TargetTracker.holds). */
export type { TrackingState };

/** A loss shorter than this (s) keeps the last sighting's position and size as re-acquisition cues. */
const RECENT_LOSS_SEC = 1;
/** Largest size change (either way) of a face re-acquired shortly after a loss. */
const MAX_SIZE_CHANGE = 2;
/** Weight of the position cue against appearance distances (≈ 0.1–0.2 for the target). */
const POSITION_WEIGHT = 0.1;
/**
 * How long (s) after a sure sighting a followed face FaceMesh doubts is held (see TargetTracker.holds), and how much
 * its landmark box must overlap the last sure one (IoU).
 */
const HOLD_SEC = 0.5;
const HOLD_MIN_IOU = 0.6;
/**
 * A face whose ROI moved further than this since the last frame (in ROI sizes: centre distance plus log size ratio)
 * jumped: a cut, or found again elsewhere. Nothing of earlier frames carries over: the landmark filter starts afresh
 * (across the synthetic clip's loop it left the landmarks 0.018 face sizes behind, 0.004 reset), and so does step 2.
 */
const JUMP_SHIFT = 0.35;
/**
 * The next frame's ROI is led by the face's motion since the frame before (constant velocity), at most this many ROI
 * sizes: a character crossing the frame moves 0.15 face widths a frame, and a live worker that drops frames under
 * load saw it two or three frames on, where FaceMesh in the ROI left behind laid the face 0.27–0.39 face sizes
 * short of it (synthetic clip, every 2nd and 3rd frame).
 */
const MAX_LEAD = 0.5;
/**
 * A smaller lead (in ROI sizes) is not taken: it is mostly the landmarks' own jitter, and led by it on Big Buck Bunny
 * FaceMesh doubted the face more often (detector on 18 tracked frames instead of 7, 3 re-detections resizing it).
 */
const MIN_LEAD = 0.05;
/**
 * A followed face found further than this (in ROI sizes, see roiShift) from the ROI it was looked for in is looked for
 * once more where its landmarks put it. FaceMesh lays a face near its ROI's edge short of where it is, and the lead
 * misses when the character speeds up or slows down between sightings, or when the frames' times jitter (see
 * MIN_FRAME_STEP_SEC). The synthetic clip's crossings seen every 1st to 5th frame at times ±15 ms off were followed
 * up to 0.36 face sizes off, 0.21 with the second look. Frames seen in order rarely need it: once in the step-1
 * bench, on 16 % of the frames at live-like times.
 */
const RECENTRE_SHIFT = 0.1;

/** Who the user picked: how the character looks and where it was when picked. */
export interface TargetIdentity {
  appearance: AppearanceSignature;
  box: Box;
  /** The picked face's landmarks: the first frame looks there before searching the whole frame. */
  landmarks?: Landmarks;
}

export interface TrackerOptions {
  /** FaceMesh face-flag probability below which the face counts as gone. */
  minPresence: number;
  /** Largest appearance distance (see appearanceDistance) still taken for the target. */
  maxAppearanceDistance: number;
  /** Detections checked per frame while the target is lost, best scores first. */
  maxCandidates: number;
  /** How fast the remembered appearance follows what is seen (per frame). */
  appearanceRate: number;
}

export interface TrackedFace {
  /** Temporally filtered landmarks: what later stages use. */
  landmarks: Landmarks;
  /** Landmarks as the model returned them this frame. */
  raw: Landmarks;
  presence: number;
  box: Box;
  /** The ROI the landmarks were found in. */
  roi: Roi;
  appearanceDistance: number;
}

export interface TrackStep {
  state: TrackingState;
  face?: TrackedFace;
  /** Whether the full-frame detector ran this frame (only while the target is lost or barely looks like itself). */
  detectorRan: boolean;
  /** The face is far from where the last frame had it (see JUMP_SHIFT): nothing of earlier frames carries over. */
  jumped: boolean;
}

interface Sighting {
  box: Box;
  timeSec: number;
  roi: Roi;
}

interface Candidate {
  mesh: MeshResult;
  roi: Roi;
  distance: number;
}

/**
 * Keeps the chosen character across frames as MediaPipe tracks faces: the landmarks of frame t give the ROI of t+1,
 * and the detector runs only while the target is lost or barely looks like itself. Every frame the appearance cue
 * confirms it is still the same character, so another face wandering into the ROI or being detected is never taken
 * for the target.
 */
export class TargetTracker {
  private roi?: Roi;
  /**
   * The ROI centre's velocity (frame px per s) between the last two frames the face was followed in, the later being
   * `lastSeen`; zero after the first one, none while lost.
   */
  private velocity?: { x: number; y: number };
  private everFound = false;
  /** The target was found once and has been lost since: its next finding is a re-acquisition. */
  private lostAfterFound = false;
  /** This face's FaceMesh input, reused every frame. */
  private readonly meshInput = new Float32Array(MESH_INPUT_LENGTH);
  /** Where and when the target was last seen, and the ROI that gave: the position and size cues of re-acquisition. */
  private lastSeen?: Sighting;
  /** Where and when FaceMesh last saw it without doubt: what a doubted face is held against. */
  private lastSure?: Sighting;
  private readonly remembered: AppearanceSignature;

  constructor(
    private readonly detector: FaceDetector,
    private readonly mesh: FaceMeshEstimator,
    private readonly filter: OneEuroFilter,
    private readonly identity: TargetIdentity,
    private readonly options: TrackerOptions,
  ) {
    this.remembered = Float32Array.from(identity.appearance);
    // A stream that starts on the clicked frame finds the character where it was clicked, without the detector.
    if (identity.landmarks) this.roi = roiFromLandmarks(identity.landmarks);
  }

  async step(frame: RgbImage, timeSec: number): Promise<TrackStep> {
    const { minPresence, maxAppearanceDistance } = this.options;
    let found: Candidate | undefined;
    let doubted: Candidate | undefined;
    const expected = this.roi && this.led(this.roi, timeSec);
    if (expected) {
      // Hysteresis, as MediaPipe's separate tracking confidence: a face already followed may look less sure and a
      // little further off than one newly accepted; the appearance cue still guards against a swap. Where the
      // character was picked, nothing is followed yet.
      const followed = this.everFound;
      const looksLike = (c: Candidate) => c.distance <= maxAppearanceDistance * (followed ? 1.15 : 1);
      const sure = (c: Candidate) => c.mesh.presence >= (followed ? minPresence / 2 : minPresence);
      const c = await this.verify(frame, expected, 0);
      if (c && looksLike(c)) {
        if (sure(c)) {
          const again = await this.recentred(frame, c);
          found = again && looksLike(again) && sure(again) ? again : c;
        } else if (this.holds(c, timeSec)) doubted = c;
      }
    }
    // A face that looks like the target only within the hysteresis margin may be something else where the target
    // was (after a cut the old ROI read 0.23 from the target's look, against 0.05 the frame before): the detector
    // looks for a likelier one.
    const marginal = found !== undefined && found.distance > maxAppearanceDistance;
    let detectorRan = false;
    if (!found || marginal) {
      detectorRan = true;
      const searched = await this.reacquire(frame, await this.detector.detectFrame(frame), timeSec);
      if (searched && (!found || searched.distance < found.distance)) found = searched;
      found ??= doubted;
    }
    if (!found) {
      this.roi = undefined;
      this.velocity = undefined;
      this.filter.reset();
      this.lostAfterFound = this.everFound;
      return { state: 'lost', detectorRan, jumped: false };
    }
    const raw = found.mesh.landmarks;
    if (found.distance < maxAppearanceDistance / 2) {
      blendAppearance(this.remembered, appearanceOf(frame, raw), this.options.appearanceRate);
    }
    const roi = roiFromLandmarks(raw);
    const jumped = expected !== undefined && roiShift(expected, roi) > JUMP_SHIFT;
    if (jumped) this.filter.reset();
    const dt = this.sinceSeen(timeSec);
    // Over bunched capture times the lead took the ROI off the face (synthetic clip: 0.43–0.67 face sizes).
    const over = Math.max(dt, MIN_FRAME_STEP_SEC);
    this.velocity =
      this.roi && !jumped && dt > 0
        ? { x: (roi.cx - this.roi.cx) / over, y: (roi.cy - this.roi.cy) / over }
        : { x: 0, y: 0 };
    const landmarks = this.filter.apply(raw, timeSec, found.roi.size);
    this.roi = roi;
    this.lastSeen = { box: landmarkBounds(raw), timeSec, roi: this.roi };
    if (found !== doubted) this.lastSure = this.lastSeen;
    const state: TrackingState = this.lostAfterFound ? 'reacquired' : found === doubted ? 'held' : 'tracking';
    this.everFound = true;
    this.lostAfterFound = false;
    return {
      state,
      detectorRan,
      jumped,
      face: {
        landmarks,
        raw,
        presence: found.mesh.presence,
        box: landmarkBounds(landmarks),
        roi: found.roi,
        appearanceDistance: found.distance,
      },
    };
  }

  /**
   * Whether a followed face whose face flag FaceMesh doubts is still taken, when the detector finds nothing better:
   * some drawn expressions drop the flag while the landmarks stay on the face (Big Buck Bunny's eyes-shut grin reads
   * 0.01–0.18 for 9 frames; the face vanished and came back shrunken twice in 0.4 s). Only briefly after a sure
   * sighting, in the same place and looking like the target: a character that leaves or hides fails those checks.
   */
  private holds(c: Candidate, timeSec: number): boolean {
    const sure = this.lastSure;
    return (
      sure !== undefined &&
      timeSec - sure.timeSec <= HOLD_SEC &&
      c.distance <= this.options.maxAppearanceDistance &&
      iou(landmarkBounds(c.mesh.landmarks), sure.box) >= HOLD_MIN_IOU
    );
  }

  /** `roi` moved on by the face's last motion to `timeSec` (see MAX_LEAD). */
  private led(roi: Roi, timeSec: number): Roi {
    const dt = this.sinceSeen(timeSec);
    if (!this.velocity || !(dt > 0)) return roi;
    const dx = this.velocity.x * dt;
    const dy = this.velocity.y * dt;
    const lead = Math.hypot(dx, dy);
    if (lead < MIN_LEAD * roi.size) return roi;
    const scale = Math.min(1, (MAX_LEAD * roi.size) / lead);
    return { ...roi, cx: roi.cx + dx * scale, cy: roi.cy + dy * scale };
  }

  /** Seconds from the last sighting to `timeSec` while the face is followed with a velocity, else 0. */
  private sinceSeen(timeSec: number): number {
    return this.velocity && this.lastSeen ? timeSec - this.lastSeen.timeSec : 0;
  }

  /** FaceMesh run again where `c`'s landmarks put the face, when that is far from where it was looked for. */
  private async recentred(frame: RgbImage, c: Candidate): Promise<Candidate | undefined> {
    const roi = roiFromLandmarks(c.mesh.landmarks);
    return roiShift(c.roi, roi) > RECENTRE_SHIFT ? this.verify(frame, roi, 0) : undefined;
  }

  /** Runs FaceMesh in the ROI; undefined when no face is there. */
  private async verify(
    frame: RgbImage,
    roi: Roi,
    minPresence = this.options.minPresence,
  ): Promise<Candidate | undefined> {
    const mesh = await this.mesh.estimate(frame, roi, this.meshInput);
    if (mesh.presence < minPresence) return undefined;
    return { mesh, roi, distance: this.distanceToTarget(frame, mesh.landmarks) };
  }

  /**
   * Checks the best detections and keeps the one that looks most like the target, if any looks enough like it.
   * Shortly after a loss, position and size count too: a face of a very different size is not the target, and
   * among look-alikes the one nearest the last sighting wins.
   */
  private async reacquire(frame: RgbImage, detections: Detection[], timeSec: number): Promise<Candidate | undefined> {
    const seen = this.lastSeen && timeSec - this.lastSeen.timeSec <= RECENT_LOSS_SEC ? this.lastSeen : undefined;
    const recent = seen?.box;
    let best: { c: Candidate; cost: number } | undefined;
    for (const det of detections.slice(0, this.options.maxCandidates)) {
      const c = await this.verify(frame, roiFromDetection(det));
      if (!c || c.distance > this.options.maxAppearanceDistance) continue;
      let cost = c.distance;
      if (recent) {
        // BlazeFace's box and the landmark hull are about as wide (±15 % on cartoons and photos).
        const sizeRatio = det.box.w / Math.max(1, recent.w);
        if (sizeRatio < 1 / MAX_SIZE_CHANGE || sizeRatio > MAX_SIZE_CHANGE) continue;
        const [ax, ay] = boxCenter(det.box);
        const [bx, by] = boxCenter(recent);
        cost += POSITION_WEIGHT * Math.min(1, Math.hypot(ax - bx, ay - by) / (4 * recent.w));
      }
      if (!best || cost < best.cost) best = { c, cost };
    }
    if (!best) return undefined;
    // A detection box frames the face loosely; one more pass on the landmark ROI gives tracking-grade landmarks.
    // Shortly after a sighting, at the size that sighting was followed at: on a cartoon head BlazeFace may frame the
    // whole head, and FaceMesh in that box lays a face 1.2–1.3× as large, which then follows itself (Big Buck Bunny
    // at frames 267–275: the new face swelled and shrank back).
    const roi = roiFromLandmarks(best.c.mesh.landmarks);
    if (seen) {
      const kept = await this.verify(frame, { ...roi, size: seen.roi.size });
      if (kept && kept.distance <= this.options.maxAppearanceDistance) return kept;
    }
    return (await this.verify(frame, roi)) ?? best.c;
  }

  private distanceToTarget(frame: RgbImage, landmarks: Landmarks): number {
    const seen = appearanceOf(frame, landmarks);
    return Math.min(appearanceDistance(seen, this.identity.appearance), appearanceDistance(seen, this.remembered));
  }
}

export function landmarkBounds(lm: Landmarks): Box {
  let x0 = Number.POSITIVE_INFINITY;
  let y0 = Number.POSITIVE_INFINITY;
  let x1 = Number.NEGATIVE_INFINITY;
  let y1 = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < LANDMARK_COUNT; i++) {
    const x = lm[3 * i];
    const y = lm[3 * i + 1];
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/** How far apart two ROIs are, in sizes of the first: centre distance plus the log of their size ratio. */
function roiShift(from: Roi, to: Roi): number {
  return Math.hypot(to.cx - from.cx, to.cy - from.cy) / from.size + Math.abs(Math.log(to.size / from.size));
}
