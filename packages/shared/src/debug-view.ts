/**
 * What the debug views share (the engine's drawings, the CLI's grid, the worker's contour frames, the owner page's
 * view): colours and the thumbnail's size. Apart from the protocol module because the pages need these values
 * without zod (~450 kB a page would load).
 */
import type { ContourOrgan, TrackingState } from './protocol.ts';

type Rgb = readonly [number, number, number];

/** Debug colours (RGB) of the contour figure's organs: the engine's drawings, the CLI's grid, the owner page's view. */
export const ORGAN_COLOURS: Record<ContourOrgan, Rgb> = {
  faceOval: [255, 255, 255],
  brows: [255, 170, 0],
  eyes: [0, 220, 255],
  irises: [0, 120, 255],
  nose: [120, 255, 120],
  lipsOuter: [255, 60, 120],
  lipsInner: [255, 150, 200],
};

/** Debug colours (RGB) of the tracking states, in the engine's overlay and the owner page's view. */
export const TRACKING_STATE_COLOURS: Record<TrackingState, Rgb> = {
  tracking: [40, 220, 60],
  held: [150, 220, 60],
  reacquired: [255, 210, 0],
  lost: [230, 30, 30],
};

/** Side of the analysed frame's luma thumbnail a contour frame carries, columns × rows. */
export const CONTOUR_THUMBNAIL = { width: 32, height: 18 } as const;
