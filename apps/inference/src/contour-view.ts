import type { FrameAnalysis } from '@tooncast/engine';
import { CONTOUR_THUMBNAIL, type ContourFrame, RedisKeys, type RgbImage } from '@tooncast/shared';
import type { Redis } from 'ioredis';
import type { FrameInfo } from './frame-processor.ts';
import type { PictureRect } from './media/picture-rect.ts';

/** At most this many contour frames a second reach the owner (the clip runs at 24–30 fps). */
const MAX_CONTOUR_FPS = 30;

/**
 * Box-averaged luma thumbnail of the clip's picture in the frame, base64: the owner page matches it against the clip
 * frames it showed.
 */
export function lumaThumbnail(frame: RgbImage, picture: PictureRect): string {
  const { width: tw, height: th } = CONTOUR_THUMBNAIL;
  const out = Buffer.alloc(tw * th);
  const { width, data } = frame;
  for (let ty = 0; ty < th; ty++) {
    const y0 = picture.y + Math.floor((ty * picture.height) / th);
    const y1 = picture.y + Math.floor(((ty + 1) * picture.height) / th);
    for (let tx = 0; tx < tw; tx++) {
      const x0 = picture.x + Math.floor((tx * picture.width) / tw);
      const x1 = picture.x + Math.floor(((tx + 1) * picture.width) / tw);
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
 * Step 1's contour figure of one frame as the compact message the debug view draws, normalized on the clip's
 * picture; `thumbnail` is the frame's lumaThumbnail, taken before the face was composited into it.
 */
export function contourFrame(thumbnail: string, analysis: FrameAnalysis, info: FrameInfo): ContourFrame {
  const round = (v: number) => Math.round(v * 10_000) / 10_000;
  const { x: px, y: py, width, height } = info.picture;
  const lines = (analysis.face?.contour.polylines ?? []).map((line) => ({
    organ: line.organ,
    closed: line.closed,
    points: line.points.flatMap(([x, y]) => [round((x - px) / width), round((y - py) / height)]),
  }));
  return { frameIndex: info.index, timeSec: info.timeSec, state: analysis.state, thumbnail, lines };
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
