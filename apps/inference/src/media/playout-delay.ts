import { percentileOf } from './frame-timing.ts';

/** The first frames (decoder start, the engine finding the character) say nothing about steady latency. */
const WARMUP_FRAMES = 24;
/** The delay is first set from this many frames after the warm-up, later at most every `RETUNE_MS`. */
const TUNE_FRAMES = 24;
const RETUNE_MS = 3000;
/** The share of frames the delay should cover: rarer, later frames go out as soon as they are ready. */
const COVERED = 0.9;
/** More late frames than this share in a window raise the delay. */
const LATE_SHARE = 0.15;
/** The delay comes down only when the latency fell by more than this, ms (each change re-times the audio). */
const LOWER_STEP_MS = 10;
/** Headroom over the covered latency, ms. */
const MARGIN_MS = 3;
/** A frame is never held longer than this after it arrived, whatever the latency does, ms. */
const MAX_DELAY_MS = 250;

/**
 * The delay after arrival at which the clip audio leaves the worker, and in 'paced' mode every frame too.
 * 'asap' (default): frames leave when encoded and the audio follows their median latency. 'paced': a frame
 * ready earlier waits for its time, so Chrome receives the frames about as evenly as the publisher sent them
 * (its jitter buffer, which follows the arrival jitter, stays small), and Janus's sender reports, which map each
 * stream's RTP clock to the time its packets went out, give audio and video the same offset: lips stay in sync
 * and Chrome's A/V sync has nothing to correct. The delay covers most (`COVERED`) of the recent time frames
 * need to be ready (decode, processor, encode); it changes rarely, in steps.
 */
export class PlayoutDelay {
  delayMs = 0;
  private ready: number[] = [];
  private late = 0;
  private tunedAt = Number.NEGATIVE_INFINITY;
  private lastSendAt = 0;
  private warmup = WARMUP_FRAMES;

  constructor(private readonly mode: 'asap' | 'paced' = 'asap') {}

  /** When to send a frame that arrived at `arrived` and is ready `now`; never before an earlier frame. */
  sendAt(arrived: number, now: number): number {
    const latency = now - arrived;
    if (this.warmup > 0) this.warmup--;
    else this.ready.push(latency);
    if (latency > this.delayMs) this.late++;
    if (this.mode === 'asap') return now;
    const at = Math.max(arrived + this.delayMs, this.lastSendAt, now);
    this.lastSendAt = at;
    return at;
  }

  /** Re-derives the delay from the frames since the last look; returns true when it changed. */
  retune(now: number): boolean {
    if (this.ready.length < TUNE_FRAMES || now - this.tunedAt < RETUNE_MS) return false;
    const first = this.tunedAt < 0;
    // The first window may still clear a start-up backlog: start from its median, late frames raise it later.
    const covered = percentileOf(this.ready, first || this.mode === 'asap' ? 0.5 : COVERED);
    const target = Math.min(MAX_DELAY_MS, Math.ceil(covered + MARGIN_MS));
    const tooLate = this.late > this.ready.length * LATE_SHARE;
    this.ready = [];
    this.late = 0;
    this.tunedAt = now;
    if (!first && !(tooLate && target > this.delayMs) && !(target < this.delayMs - LOWER_STEP_MS)) return false;
    this.delayMs = target;
    return true;
  }
}
