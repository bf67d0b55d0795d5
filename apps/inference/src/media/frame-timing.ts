/** When one frame reached each step through the worker (performance.now(), ms). */
export interface FrameTimes {
  /** Its last RTP packet arrived from the VideoRoom forwarder. */
  arrived: number;
  /** Its RGB picture came out of the decoder. */
  decoded?: number;
  /** The frame processor took it (it may have waited behind the previous frame). */
  processStart?: number;
  processEnd?: number;
  /** Its VP8 frame came out of the encoder. */
  encoded?: number;
  /** Its RTP packets left for the mountpoint (after the playout delay). */
  sent?: number;
}

type Step = keyof FrameTimes;

/** Each stage of the worker's latency, between two steps of a frame. */
const STAGES = {
  decode: ['arrived', 'decoded'],
  wait: ['decoded', 'processStart'],
  process: ['processStart', 'processEnd'],
  encode: ['processEnd', 'encoded'],
  pace: ['encoded', 'sent'],
  total: ['arrived', 'sent'],
} as const satisfies Record<string, readonly [Step, Step]>;

export type Stage = keyof typeof STAGES;
export type StageSummary = Record<Stage, { p50: number; p95: number }>;

export function percentileOf(values: number[], q: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Per-stage latencies of the frames sent since the last summary. */
export class StageTimes {
  private samples = StageTimes.empty();

  private static empty(): Record<Stage, number[]> {
    return { decode: [], wait: [], process: [], encode: [], pace: [], total: [] };
  }

  add(t: FrameTimes): void {
    for (const [stage, [from, to]] of Object.entries(STAGES) as [Stage, readonly [Step, Step]][]) {
      const a = t[from];
      const b = t[to];
      if (a !== undefined && b !== undefined) this.samples[stage].push(b - a);
    }
  }

  get count(): number {
    return this.samples.total.length;
  }

  /** p50/p95 per stage (ms, rounded to 0.1), then starts over. */
  take(): StageSummary {
    const round = (v: number) => Math.round(v * 10) / 10;
    const summary = Object.fromEntries(
      Object.entries(this.samples).map(([stage, v]) => [
        stage,
        { p50: round(percentileOf(v, 0.5)), p95: round(percentileOf(v, 0.95)) },
      ]),
    ) as StageSummary;
    this.samples = StageTimes.empty();
    return summary;
  }
}

/**
 * How evenly the publisher captured its frames: the steps between consecutive frames' RTP timestamps (the
 * publisher's capture times, which the engine takes as frame times; see its MIN_FRAME_STEP_SEC) since the last
 * summary, as the 95th percentile of their distance from the median step. A publishing Chrome on the loaded test
 * machine: 17–24 ms on a 42 ms step (live bench, the median of the per-second figures).
 */
export class CaptureSteps {
  private last?: number;
  private steps: number[] = [];

  /** A frame's RTP timestamp (90 kHz); after a new timeline there is no step to the frame before. */
  add(rtpTimestamp: number, newTimeline: boolean): void {
    if (this.last !== undefined && !newTimeline) this.steps.push(((rtpTimestamp - this.last) >>> 0) / 90);
    this.last = rtpTimestamp;
  }

  /** The spread of the steps since the last call, ms (0 without steps). */
  take(): number {
    const median = percentileOf(this.steps, 0.5);
    const spread = percentileOf(
      this.steps.map((s) => Math.abs(s - median)),
      0.95,
    );
    this.steps = [];
    return Math.round(10 * spread) / 10;
  }
}
