import type { ExpressionMapper } from './expressionMap.ts';

/** Mouth readings the resting gap is taken from (10 s at 24 fps). */
const WINDOW = 240;
/** Readings needed before they may stand for the picked frame's gap. */
const MIN_READINGS = 24;
/** A talking character's lips still meet between syllables: the rest gap is the low end of recent readings. */
const REST_QUANTILE = 0.1;

/**
 * The character's lip gap at rest, part of step 2's state across frames (held by the pipeline): the mouth opening
 * is read against it. The frame the owner picked may catch the character talking — Big Buck Bunny's picked frame
 * has its mouth open, so no later mouth read as open and the new face never spoke. The rest gap is the picked
 * frame's, or the low end of the gaps seen lately when that is smaller.
 */
export class RestingMouth {
  private readonly gaps: number[] = [];
  private readonly pickedGap: number;
  private rest: number;

  /** `neutral`: the picked frame's pose-free landmarks. */
  constructor(
    private readonly mapper: ExpressionMapper,
    neutral: Float32Array,
  ) {
    this.pickedGap = this.rest = mapper.mouthGap(neutral);
  }

  /** Inner-lip gap over mouth width at rest. */
  get gap(): number {
    return this.rest;
  }

  /** Takes one frame's pose-free landmarks of the character. */
  observe(landmarks: Float32Array): void {
    this.gaps.push(this.mapper.mouthGap(landmarks));
    if (this.gaps.length > WINDOW) this.gaps.shift();
    if (this.gaps.length < MIN_READINGS) return;
    const sorted = [...this.gaps].sort((a, b) => a - b);
    this.rest = Math.min(this.pickedGap, sorted[Math.floor(REST_QUANTILE * (sorted.length - 1))]);
  }
}
