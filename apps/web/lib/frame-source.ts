/**
 * A frame handed over while it can be drawn (a VideoFrame is closed right after): its picture, size, and `at`, its
 * time on the source's own clock, ms.
 */
export type FrameSink = (picture: CanvasImageSource, width: number, height: number, at: number) => void;

export interface FrameReader {
  stop(): void;
  /**
   * Whether `at` is the frame's capture timestamp, which the RTP timestamp a receiver reads is derived from (the
   * two keep a fixed offset to the ms); else it is when the page presented the frame, a frame or two off on a busy
   * page.
   */
  exactTime: boolean;
}

/** Chrome's reader of a track's frames (not in TypeScript's DOM types: Chrome exposes it to pages, others do not). */
declare const MediaStreamTrackProcessor:
  | (new (init: {
      track: MediaStreamTrack;
      maxBufferSize?: number;
    }) => { readable: ReadableStream<VideoFrame> })
  | undefined;

/** Frames a busy page may fall behind the track before the oldest are dropped (the default holds one). */
const TRACK_BUFFER_FRAMES = 12;

/** Every frame of a video track as the encoder gets it; undefined where the browser cannot read a track. */
export function readTrackFrames(track: MediaStreamTrack, onFrame: FrameSink): FrameReader | undefined {
  if (typeof MediaStreamTrackProcessor === 'undefined') return undefined;
  // A clone of its own: stopping the reader must not end the published track.
  const clone = track.clone();
  const processor = new MediaStreamTrackProcessor({ track: clone, maxBufferSize: TRACK_BUFFER_FRAMES });
  const reader = processor.readable.getReader();
  void (async () => {
    for (;;) {
      const { value: frame, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
      if (done || !frame) return;
      try {
        onFrame(frame, frame.displayWidth, frame.displayHeight, frame.timestamp / 1000);
      } finally {
        // Held frames stall the capture pipeline.
        frame.close();
      }
    }
  })();
  const stop = () => {
    void reader.cancel().catch(() => undefined);
    clone.stop();
  };
  return { stop, exactTime: true };
}

/** The frames `video` presents, timed by their presentation (requestVideoFrameCallback); a loaded page skips some. */
export function readPresentedFrames(video: HTMLVideoElement, onFrame: FrameSink): FrameReader {
  let stopped = false;
  const step: VideoFrameRequestCallback = (_now, meta) => {
    if (stopped) return;
    if (video.videoWidth) onFrame(video, video.videoWidth, video.videoHeight, meta.presentationTime);
    handle = video.requestVideoFrameCallback(step);
  };
  let handle = video.requestVideoFrameCallback(step);
  const stop = () => {
    stopped = true;
    video.cancelVideoFrameCallback(handle);
  };
  return { stop, exactTime: false };
}
