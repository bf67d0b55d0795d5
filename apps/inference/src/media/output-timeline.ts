/** RTP ticks per ms of the video clock (90 kHz). */
const TICKS_PER_MS = 90;
/**
 * A source timestamp further from the last one than this (2 s), or not after it, starts a new source timeline:
 * a republished clip (the owner reloaded) or a publisher that paused.
 */
const MAX_SOURCE_STEP = 2 * 90_000;

/**
 * The worker's one output timeline across the publisher's timelines. Within a source timeline the output keeps its
 * steps (the first frame keeps its source timestamp too); a new source timeline continues the output by the
 * wall-clock time between the two frames' arrivals, as Janus rebases a stream whose SSRC changed. Watchers see one
 * continuous stream: Janus's sender reports map an RTP timestamp to wall-clock time only when it is newer than the
 * last one sent, so a republish onto an older timeline would otherwise leave Chrome's A/V sync on a stale mapping.
 */
export class OutputTimeline {
  private last?: { source: number; output: number; arrivedAt: number };

  /**
   * The output timestamp of a frame with source RTP timestamp `source` that arrived at `arrivedAt` (ms), and
   * whether that frame started a new source timeline.
   */
  map(source: number, arrivedAt: number): { timestamp: number; newTimeline: boolean } {
    const last = this.last;
    const step = last ? (source - last.source) | 0 : 0;
    const newTimeline = last !== undefined && !(step > 0 && step <= MAX_SOURCE_STEP);
    let timestamp = source >>> 0;
    if (last) {
      const elapsed = Math.max(1, Math.round((arrivedAt - last.arrivedAt) * TICKS_PER_MS));
      timestamp = (last.output + (newTimeline ? elapsed : step)) >>> 0;
    }
    this.last = { source, output: timestamp, arrivedAt };
    return { timestamp, newTimeline };
  }
}
