'use client';
import type { LiveStats } from '@tooncast/shared';
import { type CSSProperties, useCallback, useEffect, useRef, useState } from 'react';
import { ContourView } from '../lib/contour-view.ts';
import { DEMO_CLIP_URL, type OwnerService, OwnerSession, type OwnerState } from '../lib/owner-session.ts';
import type { SavedSession } from '../lib/resume.ts';
import { bytesOf, snapshot } from '../lib/snapshot.ts';
import { watchLink } from '../lib/watch-views.ts';
import { ConnectingNote } from './ConnectingNote.tsx';
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

type Target = SavedSession['target'];

/** Widest clicked frame the page sends: the worker's frames are 640 wide (TOONCAST_FRAME_SIZE). */
const TARGET_FRAME_MAX_WIDTH = 640;

/** Why an uploaded clip does not play (the clip element's MediaError: format unsupported, or anything else). */
const UNSUPPORTED_CLIP = 'this browser cannot play its format';
const DAMAGED_CLIP = 'it is damaged, or uses a codec this browser cannot decode';

/** How many drawn figures the page keeps in its measurements. */
const KEEP_DRAWN = 600;

/** The owner's page: clip, selfie, target click, start; then original and personalized side by side. */
export function OwnerApp({ service }: { service: OwnerService }) {
  const [clipUrl, setClipUrl] = useState(DEMO_CLIP_URL);
  const [clipFile, setClipFile] = useState<Blob>();
  /** The clip's width over its height, which sizes its frame (see .clip .frame in styles.css). */
  const [clipAspect, setClipAspect] = useState(16 / 9);
  const [selfie, setSelfie] = useState<Selfie>();
  const [target, setTarget] = useState<Target>();
  const targetFrame = useRef<Promise<Uint8Array<ArrayBuffer> | undefined>>(undefined);
  const [state, setState] = useState<OwnerState>('idle');
  const [error, setError] = useState<string>();
  const [reconnecting, setReconnecting] = useState(false);
  /** Start was pressed and has not settled: the choices it sent stay as they are (the state is 'idle' meanwhile). */
  const [starting, setStarting] = useState(false);
  const [stats, setStats] = useState<LiveStats>();
  const [g2g, setG2g] = useState<number>();
  const [personalized, setPersonalized] = useState<MediaStream>();
  const [published, setPublished] = useState<MediaStreamTrack>();
  const [shareUrl, setShareUrl] = useState<string>();
  const [debugView, setDebugView] = useState(false);
  const [session, setSession] = useState<OwnerSession>();
  const clipRef = useRef<HTMLVideoElement>(null);
  const clipInput = useRef<HTMLInputElement>(null);
  const contourCanvas = useRef<HTMLCanvasElement>(null);
  const contourView = useRef<ContourView>(undefined);

  useEffect(() => {
    const owner = new OwnerSession(service, () => clipRef.current!, {
      state: setState,
      error: setError,
      stats: (s, ms) => {
        setStats(s);
        setG2g(ms);
      },
      personalized: setPersonalized,
      published: setPublished,
      shareUrl: setShareUrl,
      restore: (saved, url) => {
        setClipUrl(url);
        setTarget(saved.target);
      },
      contour: (frame) => contourView.current?.show(frame),
      reconnecting: setReconnecting,
      starting: setStarting,
    });
    setSession(owner);
    return () => owner.close();
  }, [service]);

  const running = state === 'starting' || state === 'live';
  useEffect(() => {
    const clip = clipRef.current;
    const canvas = contourCanvas.current;
    if (!session || !debugView || !running || !clip || !canvas) return;
    const { m } = session;
    const view = new ContourView(clip, published, canvas, (drawn) => {
      if (!drawn) {
        m.contourUnmatched++;
        return;
      }
      if (m.contours.length >= KEEP_DRAWN) m.contours.splice(0, KEEP_DRAWN / 2);
      m.contours.push(drawn);
    });
    contourView.current = view;
    void session.setContourView(true);
    return () => {
      view.stop();
      contourView.current = undefined;
      void session.setContourView(false);
    };
  }, [session, debugView, running, published]);

  /** Another clip: a face clicked on the last one is no target on this one. */
  const chooseClip = (url: string, file?: File) => {
    // The element lets go of an uploaded clip's bytes only when its object URL is revoked.
    if (clipUrl.startsWith('blob:')) URL.revokeObjectURL(clipUrl);
    setClipUrl(url);
    setClipFile(file);
    setTarget(undefined);
    targetFrame.current = undefined;
    setError(undefined);
  };

  /** Back to the demo clip; the file chooser no longer names the uploaded one. */
  const selectDemoClip = () => {
    chooseClip(DEMO_CLIP_URL);
    if (clipInput.current) clipInput.current.value = '';
  };

  /** An uploaded clip this browser cannot show: say why and go back to the demo clip (the selfie stays). */
  const refuseClip = (why: string) => {
    if (!clipFile || state !== 'idle') return;
    const name = clipFile instanceof File ? `"${clipFile.name}"` : 'The clip';
    selectDemoClip();
    setError(
      `${name} cannot be used: ${why}. MP4 (H.264) and WebM clips play in every browser; the demo clip is selected again.`,
    );
  };

  const onClipClick = (e: React.MouseEvent<HTMLVideoElement>) => {
    const video = e.currentTarget;
    if (!video.paused || state !== 'idle' || starting) return;
    const box = video.getBoundingClientRect();
    // The paused frame goes with the click: the worker picks the character on it while the stream starts. A frame
    // the page cannot read (a cross-origin clip) is left out, and the worker picks on the live frames.
    targetFrame.current = snapshot(video, 'image/jpeg', TARGET_FRAME_MAX_WIDTH).then(bytesOf, () => undefined);
    setTarget({
      x: (e.clientX - box.left) / box.width,
      y: (e.clientY - box.top) / box.height,
      timeSeconds: video.currentTime,
    });
  };

  /** After a stream ended: back to the choices, kept, with the clip paused on the clicked frame. */
  const startAnother = () => {
    const clip = clipRef.current;
    if (clip && target) {
      clip.pause();
      clip.currentTime = target.timeSeconds;
    }
    setPersonalized(undefined);
    setShareUrl(undefined);
    setStats(undefined);
    setG2g(undefined);
    setError(undefined);
    setState('idle');
  };

  const onPersonalizedVideo = useCallback(
    (video: HTMLVideoElement) => {
      session?.showing(video);
    },
    [session],
  );

  return (
    <>
      <ErrorBanner error={error} />
      {state === 'resuming' && <p className="hint">Resuming your stream…</p>}
      {state === 'starting' && <ConnectingNote />}
      {reconnecting && state === 'live' && <ConnectingNote reason="network" />}
      {state === 'idle' && (
        <>
          <section>
            <h2>1. Cartoon clip</h2>
            <label>
              <input
                type="radio"
                name="clip"
                checked={clipUrl === DEMO_CLIP_URL}
                disabled={starting}
                onChange={selectDemoClip}
              />{' '}
              Demo clip
            </label>{' '}
            <label>
              <input
                type="radio"
                name="clip"
                checked={clipUrl !== DEMO_CLIP_URL}
                disabled={starting}
                onChange={() => clipInput.current?.click()}
                data-testid="own-clip"
              />{' '}
              Your own clip
            </label>{' '}
            <input
              ref={clipInput}
              type="file"
              accept="video/*"
              aria-label="your own clip"
              data-testid="clip-file"
              disabled={starting}
              onChange={(e) => {
                const file = e.target.files?.[0];
                if (file) chooseClip(URL.createObjectURL(file), file);
              }}
            />
          </section>
          <section>
            <h2>2. Your selfie</h2>
            {session && <SelfiePicker onSelfie={setSelfie} check={session.check} disabled={starting} />}
          </section>
          <section>
            <h2>3. Pause the clip and click the character&apos;s face</h2>
            {/* The clicked frame is the character's face at rest: its pose is the selfie's straight ahead. */}
            <p className="hint">
              Best on a frame where it faces the camera with a calm face: your face turns and moves as the character
              does from there.
            </p>
          </section>
        </>
      )}
      <div className="row">
        <div className="clip">
          <div className="frame" style={{ '--clip-aspect': clipAspect } as CSSProperties}>
            {/* biome-ignore lint/a11y/useMediaCaption: a user's own clip has no caption track */}
            <video
              ref={clipRef}
              src={clipUrl}
              playsInline
              crossOrigin="anonymous"
              onClick={onClipClick}
              onError={(e) => refuseClip(e.currentTarget.error?.code === 4 ? UNSUPPORTED_CLIP : DAMAGED_CLIP)}
              onLoadedMetadata={(e) => {
                const { videoWidth, videoHeight } = e.currentTarget;
                if (videoWidth === 0) refuseClip('it has no picture');
                else setClipAspect(videoWidth / videoHeight);
              }}
              data-testid="clip"
            />
            {debugView && running && <canvas ref={contourCanvas} className="contour" data-testid="contour-view" />}
            {target && state === 'idle' && (
              <span className="marker" style={{ left: `${target.x * 100}%`, top: `${target.y * 100}%` }} />
            )}
          </div>
          {state === 'idle' ? (
            <ClipControls clip={clipRef} />
          ) : (
            <p className="hint">
              original
              {running && (
                <label>
                  {' '}
                  ·{' '}
                  <input
                    type="checkbox"
                    checked={debugView}
                    onChange={(e) => setDebugView(e.target.checked)}
                    data-testid="contour-toggle"
                  />{' '}
                  contour-figure debug view {debugView && '(the original delayed to the frame the worker analysed)'}
                </label>
              )}
            </p>
          )}
        </div>
        {/* Beside the clip, where the personalized video will be: in view whatever the clip's shape. */}
        {state === 'idle' && (
          <section className="start">
            <p className="hint">
              {!selfie ? 'Add a selfie. ' : ''}
              {!target ? "Pause the clip and click the character's face. " : ''}
            </p>
            <button
              type="button"
              disabled={!selfie || !target || !session || starting}
              onClick={() => void session?.start(selfie!, target!, targetFrame.current, clipFile)}
              data-testid="start"
            >
              Start personalized stream
            </button>
          </section>
        )}
        {/* After the end, no frozen last picture under stale figures: the note and 'Start another' say it. */}
        {state !== 'idle' && state !== 'resuming' && state !== 'ended' && (
          <LiveVideo
            stream={personalized}
            label="personalized"
            stats={stats}
            glassToGlassMs={g2g}
            onVideo={onPersonalizedVideo}
          />
        )}
      </div>
      {shareUrl && running && (
        <section>
          Share this link for a watch party:{' '}
          <a href={shareUrl} data-testid="share-link">
            {shareUrl}
          </a>
          <br />
          <span className="hint">
            The same stream alone, filling the window:{' '}
            <a href={watchLink(shareUrl, 'overlay')} data-testid="overlay-link">
              as a stream overlay
            </a>{' '}
            (a browser source in OBS; transparent around the picture) or{' '}
            <a href={watchLink(shareUrl, 'kiosk')} data-testid="kiosk-link">
              for a kiosk screen
            </a>
            .
          </span>
          <br />
          <button type="button" onClick={() => void session?.end()} data-testid="end">
            End stream
          </button>
        </section>
      )}
      {state === 'ended' && (
        <p className="hint">
          The stream has ended.{' '}
          <button type="button" onClick={startAnother} data-testid="start-another">
            Start another
          </button>
        </p>
      )}
    </>
  );
}
