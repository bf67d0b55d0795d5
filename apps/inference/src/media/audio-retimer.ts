/**
 * Time a packet is held after the fastest path, on top of the video's delay, ms: room for the publisher's usual
 * jitter, so a typical packet leaves after the video's delay, as the picture does (sound a little late is far less
 * noticeable than early: ITU-R BT.1359 detects +45 ms early, −125 ms late).
 */
const HOLD_MS = 20;
/** A packet this much later than its time still goes (a small bump for the receivers), ms; a later one is dropped. */
const LATE_MS = 20;
/** Late packets in a row, arriving at one steady lateness, that mean the path got slower for good. */
const STEP_PACKETS = 5;
/** Late packets whose lateness spreads over more than this are a backlog catching up, not a step, ms. */
const STEADY_MS = 10;
/** Packets (0.5 s of Opus) over which the path's fastest packet is looked for. */
const WINDOW_PACKETS = 25;
/** A window whose fastest packet is this much slower than the fastest path means the path got slower, ms. */
const SLOWER_MS = 10;

/** When to send one packet, with its new RTP timestamp. */
export interface Placement {
  at: number;
  timestamp: number;
}

/**
 * Sends the clip audio on its own clock, a steady time after the fastest path, whatever the jitter before it. A
 * receiver's audio jitter buffer sizes itself on the worst arrivals it saw over the last half minute or so (NetEq:
 * the largest lateness of each half second, a 95th percentile of those), and A/V sync holds the video as long. The
 * publisher's own jitter (a media element's sound comes in bursts, up to 20 ms apart), a stall upstream, and the step
 * each loop of the clip makes (the element's sound stops while it seeks, and its timestamps count samples, so they
 * fall ~20 ms further behind each time) all reached every watcher.
 *
 * So a packet is sent at its timestamp's time on the fastest path plus the video's delay through the worker (which
 * the sound must match) and a hold. A packet later than that by a little goes at once; a later one is dropped (its
 * moment has passed: a backlog catching up after a stall is skipped, not played late). When the path gets slower
 * for good (late packets keep coming at one lateness, or half a second passes without a packet as fast as before),
 * the clock moves on with it, and so do the timestamps: receivers see a gap in the sound, not late packets. A change
 * of the delay moves the timestamps likewise (see delayMs).
 */
export class AudioRetimer {
  private readonly perMs: number;
  /** Arrival minus timestamp time of the fastest packet since the path last got slower, ms. */
  private fastest = Number.POSITIVE_INFINITY;
  private window = { fastest: Number.POSITIVE_INFINITY, packets: 0 };
  private lastTimestamp?: number;
  /** The packet's timestamp, unwrapped, in ms. */
  private timeMs = 0;
  /** Added to every timestamp, in clock units (the steps the path and the delay took). */
  private shift = 0;
  private lastAt = Number.NEGATIVE_INFINITY;
  /** The last timestamp sent (shifted), and one packet's sound in timestamp units (the least step seen: no DTX gap). */
  private lastSent?: number;
  private packetTicks = Number.POSITIVE_INFINITY;
  private late: number[] = [];
  private delay = 0;
  /** Packets not sent: too late, or their sound skipped for a shorter delay. */
  dropped = 0;

  constructor(clockRate = 48_000) {
    this.perMs = clockRate / 1000;
  }

  /**
   * The video's delay through the worker, which the sound follows, ms. The clock and the timestamps move together
   * either way, so the line the receivers' A/V sync maps timestamps to time by (Janus's sender reports: each
   * packet's timestamp at its send time) holds: a longer delay leaves a gap in the sound, a shorter one skips the
   * sound its timestamps would give twice. (A shorter delay that moved only the clock sent a burst, and shifted that
   * line for the ~20 sender reports Chrome fits it over.)
   */
  set delayMs(ms: number) {
    this.moveOn(ms - this.delay);
    this.delay = ms;
  }

  /** Where a packet with RTP `timestamp` that arrived `now` goes; undefined: drop it. */
  place(timestamp: number, now: number): Placement | undefined {
    // Signed 32-bit difference: timestamps wrap.
    if (this.lastTimestamp !== undefined) {
      const step = (timestamp - this.lastTimestamp) | 0;
      this.timeMs += step / this.perMs;
      if (step > 0) this.packetTicks = Math.min(step, this.packetTicks);
    }
    this.lastTimestamp = timestamp;
    const path = now - this.timeMs;
    this.fastest = Math.min(this.fastest, path);
    this.watchWindow(path);
    if (now > this.due() + LATE_MS) {
      this.late.push(path);
      const steady = Math.max(...this.late) - Math.min(...this.late) <= STEADY_MS;
      if (this.late.length < STEP_PACKETS || !steady) {
        if (!steady) this.late = [path];
        this.dropped++;
        return undefined;
      }
      this.slower(Math.min(...this.late));
    }
    this.late = [];
    return this.send(Math.max(this.due(), now));
  }

  private due(): number {
    return this.timeMs + this.fastest + HOLD_MS + this.delay;
  }

  private watchWindow(path: number): void {
    this.window.fastest = Math.min(this.window.fastest, path);
    if (++this.window.packets < WINDOW_PACKETS) return;
    if (this.window.fastest > this.fastest + SLOWER_MS) this.slower(this.window.fastest);
    this.window = { fastest: Number.POSITIVE_INFINITY, packets: 0 };
  }

  /** The path got slower for good: its fastest packets now take `path`. */
  private slower(path: number): void {
    this.moveOn(path - this.fastest);
    this.fastest = path;
    this.window = { fastest: Number.POSITIVE_INFINITY, packets: 0 };
  }

  private send(at: number): Placement | undefined {
    const timestamp = (this.lastTimestamp! + this.shift) >>> 0;
    // After a shorter delay: this packet's sound overlaps what was sent (its timestamps stepped back).
    if (this.lastSent !== undefined && ((timestamp - this.lastSent) | 0) < this.packetTicks) {
      this.dropped++;
      return undefined;
    }
    this.lastSent = timestamp;
    this.lastAt = Math.max(at, this.lastAt);
    return { at: this.lastAt, timestamp };
  }

  /** Moves the timestamps on by `ms`: the receivers see a gap in the sound where the clock jumped. */
  private moveOn(ms: number): void {
    this.shift = (this.shift + Math.round(ms * this.perMs)) | 0;
  }
}
