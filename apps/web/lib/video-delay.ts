/**
 * How long the personalized video trails the clip on the owner's page, found without a barcode (real clips carry
 * none): each personalized frame's thumbnail (see thumbnail.ts) is matched against the clip frames the page showed
 * in the last MAX_DELAY_MS. The page delays the clip's own sound by this much instead of playing the sound that made
 * the round trip, whose jitter buffer the browser's A/V sync would make the picture wait for.
 */

/** The longest delay looked for, ms; the worker's whole path stays well below it. */
const MAX_DELAY_MS = 1200;
/** Matches this close to the oldest end of the window do not count (see received). */
const EDGE_MS = 200;
/**
 * A match counts only when no frame further than DISTINCT_MS from it matches nearly as well (at most
 * DISTINCT_RATIO of its error): a still shot matches every frame of itself alike and says nothing.
 */
const DISTINCT_MS = 100;
const DISTINCT_RATIO = 0.6;
/** Mean squared grey-level difference the nearest distinct frame must reach: below it, the picture barely moved. */
const MIN_CONTRAST = 4;
/** Grey levels a cell of the closest candidate must come within for the cell to count (see matchErrors). */
const REPAINTED = 24;
/** The estimate is the median of the matches of the last SAMPLES_MS; a slow scene gives few. */
const SAMPLES_MS = 4000;
/**
 * An estimate needs matches within AGREE_MS of their median: at least FIRST_SAMPLES, and half of those of the last
 * SAMPLES_MS; with fewer, the last estimate stays.
 */
const FIRST_SAMPLES = 5;
const AGREE_MS = 50;
/** The estimate moves only by more than this, ms: each move re-times the sound, which is heard. */
const STEP_MS = 15;

interface Shown {
  at: number;
  thumb: Uint8Array;
}

export class VideoDelayEstimator {
  private readonly shown: Shown[] = [];
  /** Recent matches: when the personalized frame showed, and its delay, ms. */
  private readonly samples: { at: number; delay: number }[] = [];
  /** The current estimate, ms (undefined until enough matches agreed). */
  delayMs?: number;

  /** A clip frame the page showed at `at` (ms). */
  source(at: number, thumb: Uint8Array): void {
    this.shown.push({ at, thumb });
    while (this.shown.length && this.shown[0].at < at - MAX_DELAY_MS) this.shown.shift();
  }

  /** A personalized frame the page showed at `at` (ms); true when the estimate changed. */
  received(at: number, thumb: Uint8Array): boolean {
    const candidates = this.shown.filter((s) => s.at <= at && s.at >= at - MAX_DELAY_MS);
    if (candidates.length < 3) return false;
    const errors = matchErrors(
      candidates.map((s) => s.thumb),
      thumb,
    );
    const best = argmin(errors);
    // A best match at the window's old end may stand for a longer delay than the window holds.
    if (candidates[best].at < at - MAX_DELAY_MS + EDGE_MS) return false;
    let rival = Number.POSITIVE_INFINITY;
    for (let i = 0; i < errors.length; i++)
      if (Math.abs(candidates[i].at - candidates[best].at) > DISTINCT_MS) rival = Math.min(rival, errors[i]);
    if (!(rival >= MIN_CONTRAST && errors[best] <= DISTINCT_RATIO * rival)) return false;
    this.samples.push({ at, delay: at - candidates[best].at });
    while (this.samples[0].at < at - SAMPLES_MS) this.samples.shift();
    const delays = this.samples.map((s) => s.delay).sort((a, b) => a - b);
    const median = delays[delays.length >> 1];
    // Most matches must agree: false ones (a repeated motion, a delay beyond the window) scatter.
    const agreeing = delays.filter((d) => Math.abs(d - median) <= AGREE_MS).length;
    if (agreeing < Math.max(FIRST_SAMPLES, delays.length / 2)) return false;
    if (this.delayMs !== undefined && Math.abs(median - this.delayMs) <= STEP_MS) return false;
    this.delayMs = median;
    return true;
  }
}

/**
 * How far each candidate thumbnail is from `thumb`: the mean squared difference over the cells where the closest
 * candidate comes within REPAINTED grey levels. The other cells were repainted (the face the engine put in) and say
 * nothing about which frame this is; squares make the few cells where the picture moved count over the coding noise
 * everywhere.
 */
function matchErrors(candidates: Uint8Array[], thumb: Uint8Array): Float32Array {
  const closest = candidates[argmin(meanSquares(candidates, thumb))];
  const kept = Uint8Array.from(closest, (v, i) => (Math.abs(v - thumb[i]) <= REPAINTED ? 1 : 0));
  return meanSquares(candidates, thumb, kept);
}

/** Mean squared difference of each candidate from `thumb` over the `kept` cells (all without it). */
function meanSquares(candidates: Uint8Array[], thumb: Uint8Array, kept?: Uint8Array): Float32Array {
  const n = kept ? kept.reduce((s, k) => s + k, 0) : thumb.length;
  return Float32Array.from(candidates, (c) => {
    let sum = 0;
    for (let i = 0; i < thumb.length; i++) if (!kept || kept[i]) sum += (c[i] - thumb[i]) ** 2;
    return n ? sum / n : Number.POSITIVE_INFINITY;
  });
}

function argmin(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] < values[best]) best = i;
  return best;
}
