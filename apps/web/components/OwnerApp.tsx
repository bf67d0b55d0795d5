'use client';
import type { LiveStats, ServiceError, SessionState } from '@tooncast/shared';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Socket } from 'socket.io-client';
import { watchFrameIds } from '../lib/frame-id.ts';
import { connectSignaling, publish, request, ServiceErrorEvent, subscribe } from '../lib/live-client.ts';
import {
  createMeasurements,
  latestGlassToGlass,
  measureInbound,
  measureReceived,
  type PageMeasurements,
} from '../lib/measure.ts';
import { describeError } from '../lib/messages.ts';
import { ErrorBanner } from './ErrorBanner.tsx';
import { LiveVideo } from './LiveVideo.tsx';
import { type Selfie, SelfiePicker } from './SelfiePicker.tsx';

/** Play/pause and a scrubber; without native controls a click on the paused frame only picks the face. */
function ClipControls({ clip }: { clip: React.RefObject<HTMLVideoElement | null> }) {
  const [paused, setPaused] = useState(true);
  const [time, setTime] = useState(0);
  const [duration, setDuration] = useState(0);
  useEffect(() => {
    const video = clip.current;
    if (!video) return;
    const sync = () => {
      setPaused(video.paused);
      setTime(video.currentTime);
      setDuration(Number.isFinite(video.duration) ? video.duration : 0);
    };
    const events = ['play', 'pause', 'timeupdate', 'loadedmetadata', 'seeked'];
    for (const e of events) video.addEventListener(e, sync);
    return () => {
      for (const e of events) video.removeEventListener(e, sync);
    };
  }, [clip]);
  const video = clip.current;
  return (
    <div className="row">
      <button type="button" onClick={() => (paused ? void video?.play() : video?.pause())}>
        {paused ? 'Play' : 'Pause'}
      </button>
      <input
        type="range"
        min={0}
        max={duration}
        step={0.04}
        value={time}
        aria-label="position in the clip"
        onChange={(e) => {
          if (video) video.currentTime = Number(e.target.value);
        }}
      />
    </div>
  );
}

interface Target {
  x: number;
  y: number;
  timeSeconds: number;
}

/** The owner's page: clip, selfie, target click, start; then original and personalized side by side. */
export function OwnerApp({ sfuPort }: { sfuPort: number }) {
  const [clipUrl, setClipUrl] = useState('/clips/demo');
  const [selfie, setSelfie] = useState<Selfie>();
  const [target, setTarget] = useState<Target>();
  const [state, setState] = useState<SessionState | 'idle'>('idle');
  const [error, setError] = useState<string>();
  const [stats, setStats] = useState<LiveStats>();
  const [g2g, setG2g] = useState<number>();
  const [personalized, setPersonalized] = useState<MediaStream>();
  const [shareUrl, setShareUrl] = useState<string>();
  const clipRef = useRef<HTMLVideoElement>(null);
  const socketRef = useRef<Socket>(undefined);
  const measurements = useRef<PageMeasurements>(undefined);
  const peers = useRef<RTCPeerConnection[]>([]);

  useEffect(() => {
    const m = createMeasurements();
    measurements.current = m;
    const socket = connectSignaling(sfuPort);
    socketRef.current = socket;
    const fail = (e: ServiceError) => {
      m.errors.push(`${e.code}: ${e.message}`);
      setError(describeError(e));
    };
    socket.on('service:error', fail);
    socket.on('stats', (s: LiveStats) => {
      m.workerStats = s;
      setStats(s);
      setG2g(latestGlassToGlass(m));
    });
    socket.on('connect_error', () => setError('Cannot reach the Tooncast service. Is it running?'));
    return () => {
      socket.close();
      for (const pc of peers.current) pc.close();
    };
  }, [sfuPort]);

  const onClipClick = (e: React.MouseEvent<HTMLVideoElement>) => {
    const video = e.currentTarget;
    if (!video.paused) return;
    const box = video.getBoundingClientRect();
    setTarget({
      x: (e.clientX - box.left) / box.width,
      y: (e.clientY - box.top) / box.height,
      timeSeconds: video.currentTime,
    });
  };

  const start = async () => {
    const socket = socketRef.current!;
    const m = measurements.current!;
    const clip = clipRef.current!;
    if (!selfie || !target) return;
    setError(undefined);
    m.startedAt = Date.now();
    try {
      const session = await request(socket, 'session:create', {});
      await request(socket, 'selfie:upload', { token: session.ownerToken, mime: selfie.mime, image: selfie.bytes });
      await request(socket, 'target:choose', { token: session.ownerToken, ...target });
      const url = `${location.origin}/watch?token=${encodeURIComponent(session.viewerToken)}`;
      setShareUrl(url);
      m.shareUrl = url;
      m.sessionId = session.sessionId;
      socket.on('session:status', async (status: { state: SessionState; error?: ServiceError }) => {
        m.state = status.state;
        setState(status.state);
        if (status.error) {
          m.errors.push(`${status.error.code}: ${status.error.message}`);
          setError(describeError(status.error));
        }
        if (status.state === 'starting') {
          const pc = await subscribe(socket, session.ownerToken, setPersonalized);
          peers.current.push(pc);
          measureInbound(pc, m);
        }
      });
      clip.loop = true;
      watchFrameIds(clip, (id, at) => {
        m.sourceShown[id] = at;
      });
      await clip.play();
      const stream = (clip as HTMLVideoElement & { captureStream(): MediaStream }).captureStream();
      peers.current.push(await publish(socket, session.ownerToken, stream));
    } catch (err) {
      const e = err instanceof ServiceErrorEvent ? err.error : { code: 'internal' as const, message: String(err) };
      m.errors.push(`${e.code}: ${e.message}`);
      setError(describeError(e));
    }
  };

  const onPersonalizedVideo = useCallback((video: HTMLVideoElement) => {
    if (measurements.current) measureReceived(video, measurements.current);
  }, []);

  return (
    <>
      <ErrorBanner error={error} />
      {state === 'idle' && (
        <>
          <section>
            <h2>1. Cartoon clip</h2>
            <label>
              <input type="radio" checked={clipUrl === '/clips/demo'} onChange={() => setClipUrl('/clips/demo')} /> Demo
              clip
            </label>{' '}
            <label>
              or upload{' '}
              <input
                type="file"
                accept="video/*"
                data-testid="clip-file"
                onChange={(e) => {
                  const file = e.target.files?.[0];
                  if (file) setClipUrl(URL.createObjectURL(file));
                }}
              />
            </label>
          </section>
          <section>
            <h2>2. Your selfie</h2>
            <SelfiePicker onSelfie={setSelfie} />
          </section>
          <section>
            <h2>3. Pause the clip and click the character&apos;s face</h2>
          </section>
        </>
      )}
      <div className="row">
        <div className="clip">
          {/* biome-ignore lint/a11y/useMediaCaption: a user's own clip has no caption track */}
          <video
            ref={clipRef}
            src={clipUrl}
            playsInline
            crossOrigin="anonymous"
            onClick={onClipClick}
            data-testid="clip"
          />
          {target && state === 'idle' && (
            <span className="marker" style={{ left: `${target.x * 100}%`, top: `${target.y * 100}%` }} />
          )}
          {state === 'idle' ? <ClipControls clip={clipRef} /> : <p className="hint">original</p>}
        </div>
        {state !== 'idle' && (
          <LiveVideo
            stream={personalized}
            label="personalized"
            stats={stats}
            glassToGlassMs={g2g}
            onVideo={onPersonalizedVideo}
          />
        )}
      </div>
      {state === 'idle' && (
        <section>
          <p className="hint">
            {!selfie ? 'Add a selfie. ' : ''}
            {!target ? "Pause the clip and click the character's face. " : ''}
          </p>
          <button type="button" disabled={!selfie || !target} onClick={() => void start()} data-testid="start">
            Start personalized stream
          </button>
        </section>
      )}
      {shareUrl && state !== 'ended' && (
        <section>
          Share this link for a watch party:{' '}
          <a href={shareUrl} data-testid="share-link">
            {shareUrl}
          </a>
        </section>
      )}
      {state === 'ended' && <p className="hint">The stream has ended. Reload to start another.</p>}
    </>
  );
}
