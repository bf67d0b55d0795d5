import type { FrameAnalysis } from '@tooncast/engine';
import { CONTOUR_THUMBNAIL, type ContourFrame, RedisKeys, type RgbImage } from '@tooncast/shared';
import type { Redis } from 'ioredis';
import type { FrameInfo } from './frame-processor.ts';

/** At most this many contour frames a second reach the owner (the clip runs at 24–30 fps). */
const MAX_CONTOUR_FPS = 30;

/** Box-averaged luma thumbnail of the frame, base64: the owner page matches it against the clip frames it showed. */
export function lumaThumbnail(frame: RgbImage): string {
  const { width: tw, height: th } = CONTOUR_THUMBNAIL;
  const out = Buffer.alloc(tw * th);
  const { width, height, data } = frame;
  for (let ty = 0; ty < th; ty++) {
    const y0 = Math.floor((ty * height) / th);
    const y1 = Math.floor(((ty + 1) * height) / th);
    for (let tx = 0; tx < tw; tx++) {
      const x0 = Math.floor((tx * width) / tw);
      const x1 = Math.floor(((tx + 1) * width) / tw);
      let sum = 0;
      // Every second pixel in each direction: plenty for a 20×20 px cell's mean.
      let n = 0;
      for (let y = y0; y < y1; y += 2) {
        for (let x = x0; x < x1; x += 2) {
          const i = (y * width + x) * 3;
          sum += 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
          n++;
        }
      }
      out[ty * tw + tx] = n ? Math.round(sum / n) : 0;
    }
  }
  return out.toString('base64');
}

/**
 * Step 1's contour figure of one frame as the compact, frame-normalized message the debug view draws; `thumbnail`
 * is the frame's lumaThumbnail, taken before the face was composited into it.
 */
export function contourFrame(
  frame: { width: number; height: number; thumbnail: string },
  analysis: FrameAnalysis,
  info: FrameInfo,
): ContourFrame {
  const round = (v: number) => Math.round(v * 10_000) / 10_000;
  const lines = (analysis.face?.contour.polylines ?? []).map((line) => ({
    organ: line.organ,
    closed: line.closed,
    points: line.points.flatMap(([x, y]) => [round(x / frame.width), round(y / frame.height)]),
  }));
  return {
    frameIndex: info.index,
    timeSec: info.timeSec,
    state: analysis.state,
    thumbnail: frame.thumbnail,
    lines,
  };
}

/** Publishes a session's contour frames on its Redis contour channel, at most MAX_CONTOUR_FPS a second. */
export function contourPublisher(redis: Redis, sessionId: string): (frame: ContourFrame) => void {
  let last = 0;
  return (frame) => {
    const now = performance.now();
    if (now - last < 1000 / MAX_CONTOUR_FPS) return;
    last = now;
    void redis.publish(RedisKeys.contour(sessionId), JSON.stringify(frame)).catch(() => undefined);
  };
}
