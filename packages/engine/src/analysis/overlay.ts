import type { RgbImage } from '@tooncast/shared';
import { TRACKING_STATE_COLOURS } from '@tooncast/shared/debug-view';
import { drawContourFigure } from './contour.ts';
import type { FrameAnalysis } from './stage.ts';
import { strokeSegment } from './stroke.ts';

/**
 * The analysis debug view of one frame: the contour figure over the frame, the face box in the colour of the
 * tracking state, and a state-coloured bar along the top edge so lost frames stand out when scrubbing.
 */
export function drawAnalysisOverlay(frame: RgbImage, analysis: FrameAnalysis): RgbImage {
  const out = analysis.face
    ? drawContourFigure(frame, analysis.face.contour)
    : { ...frame, data: Uint8Array.from(frame.data) };
  const colour = TRACKING_STATE_COLOURS[analysis.state];
  const paint = (i: number, c: number) => {
    for (let ch = 0; ch < 3; ch++) out.data[3 * i + ch] += (colour[ch] - out.data[3 * i + ch]) * c;
  };
  strokeSegment(out.width, out.height, 0, 2, out.width, 2, 2, paint);
  const b = analysis.face?.box;
  if (b) {
    const corners: [number, number][] = [
      [b.x, b.y],
      [b.x + b.w, b.y],
      [b.x + b.w, b.y + b.h],
      [b.x, b.y + b.h],
    ];
    corners.forEach(([x0, y0], k) => {
      const [x1, y1] = corners[(k + 1) % 4];
      strokeSegment(out.width, out.height, x0, y0, x1, y1, 1, paint);
    });
  }
  return out;
}
