import type { Ack, JoinSteps, RequestName, RequestPayload, ResponseFields, ServiceError } from '@tooncast/shared';
import { io, type Socket } from 'socket.io-client';

export class ServiceErrorEvent extends Error {
  constructor(readonly error: ServiceError) {
    super(error.message);
  }
}

/** The sfu lives on the same host as the page, on its own port. */
export function connectSignaling(sfuPort: number): Socket {
  return io(`${location.protocol}//${location.hostname}:${sfuPort}`, { transports: ['websocket'] });
}

export async function request<E extends RequestName>(
  socket: Socket,
  event: E,
  payload: RequestPayload<E>,
): Promise<ResponseFields[E]> {
  const ack = (await socket.timeout(20_000).emitWithAck(event, payload)) as Ack<ResponseFields[E]>;
  if (!ack.ok) throw new ServiceErrorEvent(ack.error);
  return ack;
}

/**
 * The local description goes at once, without waiting for ICE gathering (a full one took 0.5–1.3 s on a loaded
 * machine): Chrome hides a page's host addresses behind mDNS names, which Janus does not resolve, and Janus learns
 * the browser's address from the browser's connectivity checks against the candidates Janus's own SDP carries.
 */
function localSdp(pc: RTCPeerConnection): string {
  return pc.localDescription!.sdp;
}

/**
 * A page's first RTCPeerConnection brings up Chrome's WebRTC machinery (threads, audio device, codec factories):
 * 40 ms on an idle machine, hundreds on a loaded one. Pages make their connections before they signal, so that
 * work overlaps the round trips instead of following them; publish and subscribe take them over (and close them
 * when they fail).
 */
export function newConnection(): RTCPeerConnection {
  return new RTCPeerConnection();
}

/**
 * How long a connection may stay 'disconnected' before it counts as lost, ms. Chrome says so after about 5 s without
 * answers to its checks (6 s measured) and may still get the path back by itself; a picture frozen for longer is
 * worse than a new connection (about a second).
 */
const DISCONNECTED_GRACE_MS = 2000;

/**
 * How long a connected path may bring nothing at all before it counts as lost, ms. Once media has flowed, Janus
 * sends RTCP on each connection about once a second, also while no media flows (measured: never more than 1 s
 * apart, with every track of the publisher removed), so this much silence is a dead path, seen seconds before
 * Chrome says 'disconnected'.
 */
const SILENCE_MS = 2500;
/** How often a connection's last received packet is looked at, ms. */
const SILENCE_CHECK_MS = 1000;

/**
 * Calls `lost` once when `pc`'s media path is gone while signaling may stay up (a network handover, a NAT
 * rebinding, a firewall dropping UDP): 'failed', 'disconnected' for DISCONNECTED_GRACE_MS, or SILENCE_MS without a
 * packet. Neither Chrome nor the service negotiates a new path by itself; the page does, on the signaling
 * connection it still has.
 */
export function onMediaLost(pc: RTCPeerConnection, lost: () => void): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let fired = false;
  const fire = () => {
    if (fired || pc.connectionState === 'closed') return;
    fired = true;
    clearTimeout(timer);
    clearInterval(silence);
    pc.removeEventListener('connectionstatechange', changed);
    lost();
  };
  const changed = () => {
    clearTimeout(timer);
    if (pc.connectionState === 'failed') fire();
    else if (pc.connectionState === 'disconnected') {
      timer = setTimeout(() => pc.connectionState === 'disconnected' && fire(), DISCONNECTED_GRACE_MS);
    }
  };
  pc.addEventListener('connectionstatechange', changed);
  const silence = setInterval(async () => {
    // close() sets 'closed' without an event.
    if (pc.connectionState === 'closed') clearInterval(silence);
    else if (pc.connectionState === 'connected' && (await silentMs(pc)) >= SILENCE_MS) fire();
  }, SILENCE_CHECK_MS);
}

/** Since when `pc`'s selected path has received nothing, ms; 0 before any media went either way. */
async function silentMs(pc: RTCPeerConnection): Promise<number> {
  const report = await pc.getStats();
  let media = false;
  let pair: { lastPacketReceivedTimestamp?: number } | undefined;
  for (const s of report.values()) {
    if ((s.type === 'inbound-rtp' && s.packetsReceived > 0) || (s.type === 'outbound-rtp' && s.packetsSent > 0)) {
      media = true;
    }
    if (s.type === 'transport' && s.selectedCandidatePairId) pair = report.get(s.selectedCandidatePairId);
  }
  const last = pair?.lastPacketReceivedTimestamp;
  return media && last ? performance.timeOrigin + performance.now() - last : 0;
}

/** Resolves once `pc` is connected (true), or failed, closed or still not connected after `timeoutMs` (false). */
export function whenConnected(pc: RTCPeerConnection, timeoutMs = 10_000): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (connected: boolean) => {
      clearTimeout(timer);
      pc.removeEventListener('connectionstatechange', changed);
      resolve(connected);
    };
    const changed = () => {
      if (pc.connectionState === 'connected') done(true);
      else if (pc.connectionState === 'failed' || pc.connectionState === 'closed') done(false);
    };
    // close() sets 'closed' without an event: the timeout ends the wait then.
    const timer = setTimeout(() => done(false), timeoutMs);
    pc.addEventListener('connectionstatechange', changed);
    changed();
  });
}

/**
 * How the clip's video is encoded: at most `maxBitrate` bit/s (undefined: the browser chooses), its sides divided by
 * `scaleResolutionDownBy`.
 */
export interface ClipEncoding {
  maxBitrate?: number;
  scaleResolutionDownBy: number;
}

/** Publishes the clip (video + audio tracks) into the session's VideoRoom on `pc`. */
export async function publish(
  socket: Socket,
  token: string,
  stream: MediaStream,
  encoding: ClipEncoding,
  pc = newConnection(),
): Promise<RTCPeerConnection> {
  return closedOnFailure(pc, () => offerClip(socket, token, stream, encoding, pc));
}

/** `pc` once `negotiate` succeeded; closed when it failed. */
async function closedOnFailure(pc: RTCPeerConnection, negotiate: () => Promise<void>): Promise<RTCPeerConnection> {
  try {
    await negotiate();
    return pc;
  } catch (err) {
    pc.close();
    throw err;
  }
}

async function offerClip(
  socket: Socket,
  token: string,
  stream: MediaStream,
  encoding: ClipEncoding,
  pc: RTCPeerConnection,
): Promise<void> {
  for (const track of stream.getTracks()) {
    const sender = pc.addTrack(track, stream);
    if (track.kind === 'video') {
      const params = sender.getParameters();
      // The worker needs the full picture from the first frame; do not let Chrome start at 320x180.
      params.degradationPreference = 'maintain-resolution';
      if (params.encodings[0]) Object.assign(params.encodings[0], encoding);
      await sender.setParameters(params).catch(() => undefined);
    }
  }
  await pc.setLocalDescription(await pc.createOffer());
  const { answer } = await request(socket, 'publish', { token, offer: { type: 'offer', sdp: localSdp(pc) } });
  await pc.setRemoteDescription(answer);
}

/** How a page watches the personalized stream. */
export interface WatchOptions {
  /** Records when each step was done (the pages' join measurements; only then are Chrome's counters polled). */
  recorded?: JoinSteps;
  /** The connection to use (see newConnection). */
  pc?: RTCPeerConnection;
  /** Whether the stream's sound is received (the owner's page plays its own; see DelayedClipSound). */
  sound?: boolean;
}

/** Watches the personalized stream (owner or viewer token). */
export async function subscribe(
  socket: Socket,
  token: string,
  onStream: (stream: MediaStream) => void,
  options: WatchOptions = {},
): Promise<RTCPeerConnection> {
  const pc = options.pc ?? newConnection();
  return closedOnFailure(pc, () => answerStream(socket, token, onStream, options, pc));
}

async function answerStream(
  socket: Socket,
  token: string,
  onStream: (stream: MediaStream) => void,
  { recorded, sound = true }: WatchOptions,
  pc: RTCPeerConnection,
): Promise<void> {
  const steps = recorded ?? {};
  const { offer } = await request(socket, 'subscribe', { token });
  steps.offer ??= Date.now();
  pc.addEventListener('track', (e) => onStream(e.streams[0] ?? new MediaStream([e.track])));
  pc.addEventListener('connectionstatechange', () => {
    if (pc.connectionState !== 'connected' || steps.connected) return;
    steps.connected = Date.now();
    if (recorded) void timeFirstFrame(pc, recorded);
  });
  await pc.setRemoteDescription(offer);
  // Declined in the answer: Janus then sends none.
  if (!sound) for (const t of pc.getTransceivers()) if (t.receiver.track.kind === 'audio') t.direction = 'inactive';
  steps.remoteSet ??= Date.now();
  await pc.setLocalDescription(await pc.createAnswer());
  steps.answerSent ??= Date.now();
  await request(socket, 'subscribe:answer', { token, answer: { type: 'answer', sdp: localSdp(pc) } });
  steps.answered ??= Date.now();
}

/** Polls Chrome's counters until the first frame is decoded: where the wait after connecting goes. */
async function timeFirstFrame(pc: RTCPeerConnection, steps: JoinSteps): Promise<void> {
  const until = Date.now() + 5000;
  while (!steps.decoded && Date.now() < until && pc.connectionState === 'connected') {
    const report = await pc.getStats();
    const now = Date.now();
    for (const s of report.values()) {
      if (s.type !== 'inbound-rtp' || s.kind !== 'video') continue;
      if (s.packetsReceived > 0) steps.videoPacket ??= now;
      if ((s.pliCount ?? 0) + (s.firCount ?? 0) > 0) steps.keyframeAsked ??= now;
      if (s.framesDecoded > 0) steps.decoded ??= now;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Chrome's receive-side counters the owner overlay and the tests read. */
export async function inboundVideoStats(pc: RTCPeerConnection): Promise<Record<string, number> | undefined> {
  const report = await pc.getStats();
  for (const s of report.values()) {
    if (s.type === 'inbound-rtp' && s.kind === 'video') {
      return {
        framesDecoded: s.framesDecoded ?? 0,
        framesReceived: s.framesReceived ?? 0,
        freezeCount: s.freezeCount ?? 0,
        totalFreezesDuration: s.totalFreezesDuration ?? 0,
        frameWidth: s.frameWidth ?? 0,
        frameHeight: s.frameHeight ?? 0,
        jitterBufferDelay: s.jitterBufferDelay ?? 0,
        jitterBufferEmittedCount: s.jitterBufferEmittedCount ?? 0,
        jitterBufferTargetDelay: s.jitterBufferTargetDelay ?? 0,
      };
    }
  }
  return undefined;
}
