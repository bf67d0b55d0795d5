/**
 * How a live worker sees a published clip, as the owner-page test and the live bench measured it: capture times off
 * the clip's own frame times (ms; after a late frame the next ones come 8–16 ms apart instead of 42), and frames
 * skipped while the engine is busy (13–19 of 24 fps on the loaded 2-core test machine).
 */
const CAPTURE_OFFSETS_MS = [
  -44, -3, -4, 36, -1, 5, 36, 42, 0, 36, 36, 9, -1, 44, 50, 40, 11, -3, 13, 4, -22, 0, 1, -2, -36,
];
/** Frames from one seen to the next: 10 seen of 17 (14 fps at 24). */
const FRAME_STEPS = [1, 1, 2, 1, 3, 1, 1, 2, 1, 4];

/**
 * Capture times for a sequence of frames: call with each frame's own time and its place in the sequence; the result
 * is moved by the measured offsets and kept increasing.
 */
export function capturedTimes(): (frameSec: number, k: number) => number {
  let last = Number.NEGATIVE_INFINITY;
  return (frameSec, k) => {
    last = Math.max(last + 0.002, frameSec + CAPTURE_OFFSETS_MS[k % CAPTURE_OFFSETS_MS.length] / 1000);
    return last;
  };
}

/** The frames of a clip a live worker analyses (index → capture time, s), skipping as a busy engine does. */
export function liveSchedule(frameCount: number, fps: number): Map<number, number> {
  const captured = capturedTimes();
  const seen = new Map<number, number>();
  for (let i = 0, k = 0; i < frameCount; i += FRAME_STEPS[k % FRAME_STEPS.length], k++) {
    seen.set(i, captured(i / fps, k));
  }
  return seen;
}
