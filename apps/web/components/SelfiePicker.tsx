'use client';
import { useEffect, useRef, useState } from 'react';

export interface Selfie {
  bytes: Uint8Array<ArrayBuffer>;
  mime: 'image/png' | 'image/jpeg';
  url: string;
}

/** Mean luma of the centre of the frame: the guidance the page can give before the engine's face check. */
function lighting(video: HTMLVideoElement, canvas: HTMLCanvasElement): number {
  canvas.width = 64;
  canvas.height = 64;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const w = video.videoWidth;
  const h = video.videoHeight;
  ctx.drawImage(video, w * 0.3, h * 0.2, w * 0.4, h * 0.6, 0, 0, 64, 64);
  const px = ctx.getImageData(0, 0, 64, 64).data;
  let sum = 0;
  for (let i = 0; i < px.length; i += 4) sum += 0.299 * px[i] + 0.587 * px[i + 1] + 0.114 * px[i + 2];
  return sum / (64 * 64);
}

/** Selfie from a file or from the webcam, with live lighting guidance and a centring guide. */
export function SelfiePicker({ onSelfie }: { onSelfie: (selfie: Selfie) => void }) {
  const [camera, setCamera] = useState<MediaStream>();
  const [guidance, setGuidance] = useState('');
  const [preview, setPreview] = useState<string>();
  const videoRef = useRef<HTMLVideoElement>(null);

  useEffect(() => {
    const video = videoRef.current;
    if (!camera || !video) return;
    video.srcObject = camera;
    void video.play();
    const canvas = document.createElement('canvas');
    const timer = setInterval(() => {
      if (!video.videoWidth) return;
      const luma = lighting(video, canvas);
      setGuidance(
        luma < 60
          ? 'Too dark: face a window or a lamp.'
          : luma > 215
            ? 'Too bright: step out of direct light.'
            : 'Lighting is good. Keep your face inside the oval.',
      );
    }, 500);
    return () => clearInterval(timer);
  }, [camera]);

  const accept = async (blob: Blob, mime: Selfie['mime']) => {
    const url = URL.createObjectURL(blob);
    setPreview(url);
    onSelfie({ bytes: new Uint8Array(await blob.arrayBuffer()), mime, url });
  };

  const snap = () => {
    const video = videoRef.current!;
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext('2d')!.drawImage(video, 0, 0);
    canvas.toBlob((blob) => blob && void accept(blob, 'image/png'), 'image/png');
    for (const t of camera?.getTracks() ?? []) t.stop();
    setCamera(undefined);
  };

  return (
    <div className="selfie row">
      <label>
        Selfie file{' '}
        <input
          type="file"
          accept="image/png,image/jpeg"
          data-testid="selfie-file"
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) void accept(file, file.type === 'image/jpeg' ? 'image/jpeg' : 'image/png');
          }}
        />
      </label>
      {camera ? (
        <div>
          <div style={{ position: 'relative' }}>
            <video ref={videoRef} muted playsInline />
            <svg viewBox="0 0 100 100" style={{ position: 'absolute', inset: 0, width: '100%', height: '100%' }}>
              <title>keep your face inside the oval</title>
              <ellipse cx="50" cy="45" rx="20" ry="28" fill="none" stroke="#8f8" strokeWidth="1" />
            </svg>
          </div>
          <p className="hint">{guidance}</p>
          <button type="button" onClick={snap}>
            Take selfie
          </button>
        </div>
      ) : (
        <button type="button" onClick={() => void navigator.mediaDevices.getUserMedia({ video: true }).then(setCamera)}>
          Use webcam
        </button>
      )}
      {/* biome-ignore lint/performance/noImgElement: a local object URL, nothing for next/image to optimize */}
      {preview && <img src={preview} alt="selfie" />}
    </div>
  );
}
