'use client';
import type { SelfieVerdict } from '@tooncast/shared';
import { useEffect, useRef, useState } from 'react';
import { ServiceErrorEvent } from '../lib/live-client.ts';
import { describeError, isInputFault } from '../lib/messages.ts';
import { bytesOf, snapshot } from '../lib/snapshot.ts';

export interface Selfie {
  bytes: Uint8Array<ArrayBuffer>;
  mime: 'image/png' | 'image/jpeg';
  url: string;
}

/** Asks the service for the engine's verdict on a selfie candidate (the check the stream's start runs too). */
export type SelfieCheck = (bytes: Uint8Array<ArrayBuffer>, mime: Selfie['mime']) => Promise<SelfieVerdict>;

/** Milliseconds between webcam snapshots sent for a verdict (the service allows a few a second). */
const GUIDANCE_INTERVAL_MS = 600;
/** Where the face centre belongs (the guide oval: head-and-shoulders framing) and how far off still counts. */
const FACE_CENTRE = { x: 0.5, y: 0.45 };
const CENTRE_TOLERANCE = { x: 0.12, y: 0.15 };

/** The engine's checks in the order it makes them: a refusal names the first that failed, later ones are unknown. */
const CHECKS: { label: string; problems: SelfieVerdict['problem'][]; hint: string }[] = [
  { label: 'face found', problems: ['no-face', 'several-faces'], hint: 'face the camera, alone' },
  { label: 'large enough', problems: ['face-too-small'], hint: 'come closer' },
  { label: 'looking straight', problems: ['not-frontal'], hint: 'look into the camera' },
  { label: 'well lit', problems: ['too-dark'], hint: 'face a window or a lamp' },
  { label: 'sharp', problems: ['too-blurred'], hint: 'hold still' },
];

/** The guidance checklist one verdict gives: true passed, false failed, undefined not known. */
function checklist(v: SelfieVerdict): { label: string; ok?: boolean; hint: string }[] {
  const failed = v.usable ? CHECKS.length : CHECKS.findIndex((c) => c.problems.includes(v.problem));
  const items = CHECKS.map((c, i) => ({
    label: c.label,
    hint: c.hint,
    ok: failed < 0 || i > failed ? undefined : i < failed,
  }));
  // Centring is guidance only (the engine does not refuse an off-centre face): known when the face box came back.
  const centre = v.face && { x: v.face.x + v.face.w / 2, y: v.face.y + v.face.h / 2 };
  const centred =
    centre &&
    Math.abs(centre.x - FACE_CENTRE.x) <= CENTRE_TOLERANCE.x &&
    Math.abs(centre.y - FACE_CENTRE.y) <= CENTRE_TOLERANCE.y;
  items.splice(1, 0, {
    label: 'centred',
    hint: 'move so your face sits in the oval',
    ok: centre ? centred : undefined,
  });
  return items;
}

function Guidance({ verdict }: { verdict?: SelfieVerdict }) {
  if (!verdict) return <p className="hint">Looking for your face…</p>;
  return (
    <ul className="guidance" data-testid="selfie-guidance" data-usable={verdict.usable}>
      {checklist(verdict).map((item) => (
        <li key={item.label} className={item.ok === true ? 'ok' : item.ok === false ? 'warn' : 'hint'}>
          {item.ok === true ? '✓' : item.ok === false ? '✗' : '·'} {item.label}
          {item.ok === false && ` — ${item.hint}`}
        </li>
      ))}
    </ul>
  );
}

/**
 * Selfie from a file or from the webcam. The webcam preview sends a snapshot to the service's selfie check every
 * ~0.6 s and shows its verdict as a checklist; a taken or chosen selfie is accepted only when the same check passes,
 * so the page never says "face found" for a selfie the stream's start then refuses. `disabled`: while the stream's
 * start sends the selfie.
 */
export function SelfiePicker({
  onSelfie,
  check,
  disabled,
}: {
  onSelfie: (selfie: Selfie) => void;
  check: SelfieCheck;
  disabled?: boolean;
}) {
  const [camera, setCamera] = useState<MediaStream>();
  const [verdict, setVerdict] = useState<SelfieVerdict>();
  const [refusal, setRefusal] = useState<string>();
  /** What the check noted about an accepted selfie: advice, not a refusal. */
  const [note, setNote] = useState<string>();
  const [preview, setPreview] = useState<string>();
  const videoRef = useRef<HTMLVideoElement>(null);

  // A webcam stream dropped (a selfie accepted) or left behind (the start unmounts the picker) still films: stop it.
  useEffect(() => {
    if (!camera) return;
    return () => {
      for (const t of camera.getTracks()) t.stop();
    };
  }, [camera]);

  useEffect(() => {
    const video = videoRef.current;
    if (!camera || !video) return;
    video.srcObject = camera;
    void video.play();
    let stopped = false;
    const loop = async () => {
      while (!stopped) {
        const started = Date.now();
        if (video.videoWidth) {
          try {
            const v = await check(await bytesOf(await snapshot(video, 'image/jpeg')), 'image/jpeg');
            if (!stopped) setVerdict(v);
          } catch {
            // A busy or missing worker: keep the last verdict, try again on the next tick.
          }
        }
        await new Promise((r) => setTimeout(r, Math.max(50, GUIDANCE_INTERVAL_MS - (Date.now() - started))));
      }
    };
    void loop();
    return () => {
      stopped = true;
    };
  }, [camera, check]);

  /** Accepts the selfie if the service's check passes; otherwise says what is wrong. */
  const offer = async (blob: Blob, mime: Selfie['mime']): Promise<void> => {
    const bytes = await bytesOf(blob);
    let v: SelfieVerdict;
    try {
      v = await check(bytes, mime);
    } catch (err) {
      // A file that is no photo is refused for good; a busy or unreachable service may pass on a later try.
      setRefusal(
        err instanceof ServiceErrorEvent && isInputFault(err.error)
          ? `This file cannot be used as a selfie. ${describeError(err.error)}`
          : `The selfie could not be checked now (${(err as Error).message}). Try again in a moment.`,
      );
      return;
    }
    setVerdict(v);
    if (!v.usable) {
      setRefusal(`This selfie cannot be used: ${v.message}.`);
      return;
    }
    setRefusal(undefined);
    setNote(v.warnings.length ? `Selfie accepted. Note: ${v.warnings.join('; ')}.` : undefined);
    const url = URL.createObjectURL(blob);
    setPreview(url);
    onSelfie({ bytes, mime, url });
    // Taken or chosen from a file, the selfie is made: the webcam is no longer needed.
    setCamera(undefined);
  };

  const take = async () => offer(await snapshot(videoRef.current!, 'image/png'), 'image/png');

  return (
    <div className="selfie row">
      <label>
        Selfie file{' '}
        <input
          type="file"
          accept="image/png,image/jpeg"
          data-testid="selfie-file"
          disabled={disabled}
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) void offer(file, file.type === 'image/jpeg' ? 'image/jpeg' : 'image/png');
          }}
        />
      </label>
      {camera ? (
        <div>
          <div style={{ position: 'relative', width: 'fit-content' }}>
            <video ref={videoRef} muted playsInline data-testid="webcam" />
            <svg
              viewBox="0 0 100 100"
              preserveAspectRatio="none"
              style={{ position: 'absolute', inset: 0, width: '100%', height: '100%' }}
            >
              <title>keep your face inside the oval</title>
              <ellipse
                cx={FACE_CENTRE.x * 100}
                cy={FACE_CENTRE.y * 100}
                rx="20"
                ry="28"
                fill="none"
                stroke={verdict?.usable ? '#8f8' : '#fc6'}
                strokeWidth="1"
              />
            </svg>
          </div>
          <Guidance verdict={verdict} />
          <button type="button" onClick={() => void take()} disabled={disabled} data-testid="take-selfie">
            Take selfie
          </button>
        </div>
      ) : (
        <button
          type="button"
          disabled={disabled}
          onClick={() => {
            // Browsers offer the webcam only on https or localhost.
            if (!navigator.mediaDevices) {
              setRefusal('This browser offers the webcam only on https or localhost pages; choose a selfie file.');
              return;
            }
            void navigator.mediaDevices
              .getUserMedia({ video: true })
              .then(setCamera)
              .catch((err: Error) => setRefusal(`The webcam could not be opened (${err.message}); choose a file.`));
          }}
          data-testid="use-webcam"
        >
          Use webcam
        </button>
      )}
      {refusal && (
        <p className="warn" data-testid="selfie-refusal">
          {refusal}
        </p>
      )}
      {note && (
        <p className="hint" data-testid="selfie-note">
          {note}
        </p>
      )}
      {/* biome-ignore lint/performance/noImgElement: a local object URL, nothing for next/image to optimize */}
      {preview && <img src={preview} alt="selfie" data-testid="selfie-preview" />}
    </div>
  );
}
