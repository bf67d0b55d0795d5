import { MAX_PAIRING_MS } from '@tooncast/shared/frame-barcode';
import type { StreamMeasurements } from '@tooncast/shared/protocol';
import type { DrawnContour } from './contour-view.ts';
import { watchFrameIds } from './frame-id.ts';
import { inboundVideoStats } from './live-client.ts';

/** The stream measurements plus what only the owner page's debug view and stats overlay need. */
export interface PageMeasurements extends StreamMeasurements {
  /** Contour figures the debug view drew, newest last (owner page only). */
  contours: DrawnContour[];
  /** Contour frames received, and those no kept clip frame matched (owner page only). */
  contourFrames: number;
  contourUnmatched: number;
  inbound?: () => Promise<Record<string, number> | undefined>;
}

export function createMeasurements(): PageMeasurements {
  const m: PageMeasurements = {
    state: 'idle',
    errors: [],
    sourceShown: {},
    received: [],
    renegotiated: [],
    contours: [],
    contourFrames: 0,
    contourUnmatched: 0,
  };
  (window as unknown as { tooncast: PageMeasurements }).tooncast = m;
  return m;
}

/** Records first-frame time and barcode ids of the personalized video. */
export function measureReceived(video: HTMLVideoElement, m: PageMeasurements): () => void {
  const first = () => {
    m.firstFrameAt ??= Date.now();
  };
  video.requestVideoFrameCallback(first);
  return watchFrameIds(video, (id, at) => {
    if (m.received.length > 20_000) m.received.splice(0, 10_000);
    const shown = m.sourceShown[id];
    const paired = shown !== undefined && at - shown < MAX_PAIRING_MS;
    m.received.push(paired ? { id, at, glassToGlassMs: at - shown } : { id, at });
  });
}

export function measureInbound(pc: RTCPeerConnection, m: PageMeasurements): void {
  m.inbound = () => inboundVideoStats(pc);
}

/** Latest glass-to-glass latency (ms) of frames whose source presentation the page saw. */
export function latestGlassToGlass(m: PageMeasurements): number | undefined {
  for (let i = m.received.length - 1; i >= Math.max(0, m.received.length - 30); i--) {
    const ms = m.received[i].glassToGlassMs;
    if (ms !== undefined) return ms;
  }
  return undefined;
}
