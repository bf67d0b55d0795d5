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
/** The delay comes down (in 'asap' mode also up) only when the latency moved by more than this, ms. */
const STEP_MS = 10;
/** Retune windows whose frames the audio's delay in 'asap' mode is the median of (~9 s). */
const ASAP_WINDOWS = 3;
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
  /** The frames' latencies of the last retune windows ('asap'). */
  private recent: number[][] = [];
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
    const target = this.mode === 'asap' ? this.soundTarget(first) : this.pacedTarget(first);
    this.ready = [];
    this.late = 0;
    this.tunedAt = now;
    if (target === undefined) return false;
    this.delayMs = target;
    return true;
  }

  /** 'paced': covers most frames; raised as soon as too many came late, lowered when the latency fell by a step. */
  private pacedTarget(first: boolean): number | undefined {
    // The first window may still clear a start-up backlog: start from its median, late frames raise it later.
    const target = withMargin(percentileOf(this.ready, first ? 0.5 : COVERED));
    const tooLate = this.late > this.ready.length * LATE_SHARE;
    return first || (tooLate && target > this.delayMs) || target < this.delayMs - STEP_MS ? target : undefined;
  }

  /**
   * 'asap': frames are not held, so the delay only times the sound, and each change re-times it (a gap, or packets
   * early against the clock the receivers' A/V sync had mapped). So it is the median latency over the last few
   * windows and moves only by more than a step, either way: on one window's median, raised on any rise, it changed
   * every 3–4 s by 10–25 ms under the engine.
   */
  private soundTarget(first: boolean): number | undefined {
    this.recent = [...this.recent.slice(1 - ASAP_WINDOWS), this.ready];
    const target = withMargin(percentileOf(this.recent.flat(), 0.5));
    return first || Math.abs(target - this.delayMs) > STEP_MS ? target : undefined;
  }
}

function withMargin(latency: number): number {
  return Math.min(MAX_DELAY_MS, Math.ceil(latency + MARGIN_MS));
}
