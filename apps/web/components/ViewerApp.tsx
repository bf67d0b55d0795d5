'use client';
import type { ServiceError, SessionState } from '@tooncast/shared';
import { useCallback, useEffect, useRef, useState } from 'react';
import { connectSignaling, ServiceErrorEvent, subscribe } from '../lib/live-client.ts';
import { createMeasurements, measureInbound, measureReceived, type PageMeasurements } from '../lib/measure.ts';
import { describeError } from '../lib/messages.ts';
import { ErrorBanner } from './ErrorBanner.tsx';
import { LiveVideo } from './LiveVideo.tsx';

/** The watch-party page behind a share link: only the personalized stream. */
export function ViewerApp({ sfuPort }: { sfuPort: number }) {
  const [stream, setStream] = useState<MediaStream>();
  const [error, setError] = useState<string>();
  const [ended, setEnded] = useState(false);
  const measurements = useRef<PageMeasurements>(undefined);
  const pcRef = useRef<RTCPeerConnection>(undefined);

  useEffect(() => {
    const m = createMeasurements();
    measurements.current = m;
    m.startedAt = Date.now();
    const token = new URLSearchParams(location.search).get('token') ?? '';
    const socket = connectSignaling(sfuPort);
    const report = (e: ServiceError) => {
      m.errors.push(`${e.code}: ${e.message}`);
      setError(describeError(e));
    };
    const join = async () => {
      try {
        pcRef.current?.close();
        m.joinSteps ??= { signaling: Date.now() };
        pcRef.current = await subscribe(socket, token, setStream, m.joinSteps);
        measureInbound(pcRef.current, m);
        m.state = 'live';
        setError(undefined);
      } catch (err) {
        if (err instanceof ServiceErrorEvent) report(err.error);
        else report({ code: 'internal', message: String(err) });
      }
    };
    socket.on('service:error', report);
    socket.on('connect', () => void join());
    socket.on('connect_error', () => setError('Cannot reach the Tooncast service.'));
    socket.on('session:status', (status: { state: SessionState; error?: ServiceError }) => {
      m.state = status.state;
      if ((status.state === 'starting' || status.state === 'live') && !pcRef.current) void join();
      if (status.state === 'ended') {
        setEnded(true);
        if (status.error) report(status.error);
      }
    });
    return () => {
      socket.close();
      pcRef.current?.close();
    };
  }, [sfuPort]);

  const onVideo = useCallback((video: HTMLVideoElement) => {
    if (measurements.current) measureReceived(video, measurements.current);
  }, []);

  return (
    <>
      <ErrorBanner error={error} />
      {ended ? <p>This stream has ended.</p> : <LiveVideo stream={stream} label="watch party" onVideo={onVideo} />}
    </>
  );
}
