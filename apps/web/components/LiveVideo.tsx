'use client';
import type { LiveStats } from '@tooncast/shared';
import { useEffect, useRef, useState } from 'react';
import { playLive, unmute } from '../lib/playback.ts';

/**
 * A live <video> with the fps/latency overlay, and a sound button shown when the browser let the picture play only
 * muted (the watch page's script shows it itself: the page is this markup without React).
 */
export function LiveVideo(props: {
  stream?: MediaStream;
  label: string;
  stats?: LiveStats;
  glassToGlassMs?: number;
  onVideo?: (video: HTMLVideoElement) => void;
}) {
  const ref = useRef<HTMLVideoElement>(null);
  const [muted, setMuted] = useState(false);
  const { stream, onVideo } = props;
  useEffect(() => {
    const video = ref.current;
    if (!video || !stream) return;
    video.srcObject = stream;
    void playLive(video, () => setMuted(true));
    onVideo?.(video);
  }, [stream, onVideo]);
  return (
    <figure className="live">
      {/* biome-ignore lint/a11y/useMediaCaption: a live stream has no caption track */}
      <video ref={ref} playsInline autoPlay data-testid={`video-${props.label}`} />
      <button
        type="button"
        className="unmute"
        hidden={!muted}
        onClick={() => {
          if (ref.current) unmute(ref.current);
          setMuted(false);
        }}
        data-testid="unmute"
      >
        Tap for sound
      </button>
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
