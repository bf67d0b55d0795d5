/**
 * The watch-party page behind a share link: only the personalized stream, without React. build.ts inlines this
 * script into static HTML; it opens the signaling connection and makes its RTCPeerConnection first (the stream is
 * asked for as soon as signaling is up), before it touches the page.
 */
import type { ServiceError, SessionState } from '@tooncast/shared';
import {
  connectSignaling,
  newConnection,
  onMediaLost,
  ServiceErrorEvent,
  subscribe,
  whenConnected,
} from '../lib/live-client.ts';
import { createMeasurements, measureInbound, measureReceived } from '../lib/measure.ts';
import { CONNECTING, describeError } from '../lib/messages.ts';
import { playLive, unmute } from '../lib/playback.ts';

const m = createMeasurements();
m.startedAt = Date.now();
const token = new URLSearchParams(location.search).get('token') ?? '';
const socket = connectSignaling(Number(document.body.dataset.sfuPort));
let pc: RTCPeerConnection | undefined;
/** Made while signaling connects (see newConnection); the first join takes it. */
let early: RTCPeerConnection | undefined = newConnection();

const video = document.querySelector<HTMLVideoElement>('figure.live video')!;
const sound = document.querySelector<HTMLButtonElement>('figure.live [data-testid="unmute"]')!;
sound.addEventListener('click', () => {
  unmute(video);
  sound.hidden = true;
});
const banner = document.querySelector<HTMLElement>('[data-testid="error"]')!;
const connecting = document.querySelector<HTMLElement>('[data-testid="connecting"]')!;
measureReceived(video, m);

function showError(message?: string): void {
  banner.textContent = message ?? '';
  banner.hidden = !message;
}

function report(error: ServiceError): void {
  m.errors.push(`${error.code}: ${error.message}`);
  showError(describeError(error));
}

function show(stream: MediaStream): void {
  if (video.srcObject === stream) return;
  video.srcObject = stream;
  void playLive(video, () => {
    sound.hidden = false;
  });
  document.querySelector('[data-testid="waiting"]')?.remove();
}

/** The picture pauses while the session moves to another worker ('starting') or the page renegotiates. */
let renegotiating = false;
function showConnecting(): void {
  connecting.textContent = CONNECTING[renegotiating ? 'network' : 'worker'];
  connecting.hidden = !renegotiating && !(pc && m.state === 'starting');
}

async function join(): Promise<void> {
  // A link cut short (a messenger stripping its query): reloading would not mend it.
  if (!token) return report({ code: 'token-invalid', message: 'the link carries no token' });
  try {
    m.joinSteps ??= { signaling: Date.now() };
    const fresh = early ?? newConnection();
    early = undefined;
    // Its statistics from the start: the first frame can show before the answer's acknowledgement comes back.
    measureInbound(fresh, m);
    const joined = await subscribe(socket, token, show, { recorded: m.joinSteps, pc: fresh });
    // Closed only now: two joins may overlap (a reconnect and a lost path), and the later one wins.
    pc?.close();
    pc = joined;
    onMediaLost(joined, () => rejoin(joined));
    // Joined while the session starts (or moves to another worker), the note says so until it is live.
    if (m.state !== 'starting') m.state = 'live';
    showError(undefined);
  } catch (err) {
    report(err instanceof ServiceErrorEvent ? err.error : { code: 'internal', message: String(err) });
  } finally {
    showConnecting();
  }
}

/**
 * The media path died with signaling still up; without signaling, the reconnect joins anew ('connect'). Should
 * this join fail (the session is moving), the next 'starting' or 'live' status joins.
 */
function rejoin(lost: RTCPeerConnection): void {
  // An ended stream's connection dies too (the service hangs up): nothing to join.
  if (lost !== pc || !socket.connected || m.state === 'ended') return;
  m.renegotiated.push({ connection: 'watcher', at: Date.now() });
  lost.close();
  pc = undefined;
  renegotiating = true;
  showConnecting();
  // The note stays until the new connection is up: the picture is frozen that long.
  void join()
    .then(() => pc && whenConnected(pc))
    .finally(() => {
      renegotiating = false;
      showConnecting();
    });
}

socket.on('service:error', report);
socket.on('connect', () => {
  // The service closed the last connection's watcher with the signaling it lost: that media path is dead (its loss
  // may have been seen while signaling was down, when nothing could rejoin), and a dead one would stop every later
  // status from joining.
  pc?.close();
  pc = undefined;
  void join();
});
socket.on('connect_error', () => showError('Cannot reach the Tooncast service.'));
socket.on('session:status', (status: { state: SessionState; error?: ServiceError }) => {
  m.state = status.state;
  showConnecting();
  if ((status.state === 'starting' || status.state === 'live') && !pc) void join();
  if (status.state === 'ended') {
    document.querySelector<HTMLElement>('figure.live')!.hidden = true;
    document.querySelector<HTMLElement>('[data-testid="ended"]')!.hidden = false;
    if (status.error) report(status.error);
  }
});
