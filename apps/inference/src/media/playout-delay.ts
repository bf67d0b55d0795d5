import { percentileOf } from './frame-timing.ts';

/** The first frames (decoder start, the engine finding the character) say nothing about steady latency. */
const WARMUP_FRAMES = 12;
/** The first delay is set from this many frames after the warm-up; later ones at most every `RETUNE_MS`. */
const FIRST_TUNE_FRAMES = 12;
const RETUNE_MS = 5000;
/** Frames later than the delay (in a window) beyond this share raise it at the next chance. */
const LATE_SHARE = 0.05;
/** The delay comes down only when the latency fell by more than this, ms. */
const LOWER_STEP_MS = 15;
/** Headroom over the window's p95 ready latency, ms. */
const MARGIN_MS = 3;

/**
 * The one delay after its arrival at which every frame leaves the worker, and the clip audio with it. A frame
 * ready earlier waits for its time, so Chrome receives the frames as evenly as the publisher sent them (its
 * jitter buffer, which follows the arrival jitter, stays small), and Janus's sender reports, which map each
 * stream's RTP clock to the time its packets went out, give audio and video the same offset: lips stay in sync
 * and Chrome's A/V sync has nothing to correct. The delay is the recent p95 of the time frames need to be
 * ready (decode, processor, encode); it changes rarely, in steps, because each change re-times the audio.
 */
export class PlayoutDelay {
  delayMs = 0;
  private ready: number[] = [];
  private late = 0;
  private tunedAt = Number.NEGATIVE_INFINITY;
  private lastSendAt = 0;
  private tunes = 0;
  private warmedUp = false;

  /** When to send a frame that arrived at `arrived` and is ready now; never before an earlier frame. */
  sendAt(arrived: number, now: number): number {
    const latency = now - arrived;
    this.ready.push(latency);
    if (this.tunes > 0 && latency > this.delayMs) this.late++;
    const at = Math.max(arrived + this.delayMs, this.lastSendAt, now);
    this.lastSendAt = at;
    return at;
  }

  /** Re-derives the delay from the frames since the last change; returns true when it changed. */
  retune(now: number): boolean {
    if (!this.warmedUp) {
      if (this.ready.length < WARMUP_FRAMES) return false;
      this.warmedUp = true;
      this.ready = [];
      return false;
    }
    const due = this.tunes === 0 || now - this.tunedAt >= RETUNE_MS;
    if (!due || this.ready.length < FIRST_TUNE_FRAMES) return false;
    const target = Math.ceil(percentileOf(this.ready, 0.95) + MARGIN_MS);
    const tooLate = this.late > this.ready.length * LATE_SHARE;
    this.ready = [];
    this.late = 0;
    this.tunedAt = now;
    const change = this.tunes === 0 || (tooLate && target > this.delayMs) || target < this.delayMs - LOWER_STEP_MS;
    if (!change) return false;
    this.tunes++;
    this.delayMs = target;
    return true;
  }
}
