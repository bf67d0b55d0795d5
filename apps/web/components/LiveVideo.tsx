'use client';
import type { LiveStats } from '@tooncast/shared';
import { useEffect, useRef } from 'react';

/** A live <video> with the fps/latency overlay. */
export function LiveVideo(props: {
  stream?: MediaStream;
  label: string;
  stats?: LiveStats;
  glassToGlassMs?: number;
  onVideo?: (video: HTMLVideoElement) => void;
}) {
  const ref = useRef<HTMLVideoElement>(null);
  const { stream, onVideo } = props;
  useEffect(() => {
    const video = ref.current;
    if (!video || !stream) return;
    video.srcObject = stream;
    void video.play().catch(() => undefined);
    onVideo?.(video);
  }, [stream, onVideo]);
  return (
    <figure className="live">
      {/* biome-ignore lint/a11y/useMediaCaption: a live stream has no caption track */}
      <video ref={ref} playsInline autoPlay data-testid={`video-${props.label}`} />
      <figcaption>
        {props.label}
        {props.stats && (
          <span className="overlay" data-testid="overlay">
            {props.stats.fps} fps · worker {Math.round(props.stats.latencyP50)} ms
            {props.glassToGlassMs !== undefined && ` · glass-to-glass ${Math.round(props.glassToGlassMs)} ms`}
          </span>
        )}
        {!stream && (
          <span className="overlay" data-testid="waiting">
            waiting for the stream…
          </span>
        )}
      </figcaption>
    </figure>
  );
}
