import type { Socket } from 'socket.io-client';
import { RTCPeerConnection } from 'werift';
import { Vp8Depacketizer } from '../../apps/inference/src/media/vp8.ts';
import { emit } from '../../scripts/services/harness.ts';

/** Between two keyframe requests while a viewer waits for one, ms. */
const KEYFRAME_ASK_MS = 1000;

/** What one viewer got of the personalized video, timed from its subscribe request (ms). */
export interface ViewerRecord {
  connectedMs?: number;
  firstPacketMs?: number;
  /** The first keyframe complete: where a page could first show a picture. */
  firstKeyframeMs?: number;
  /** Complete, decodable VP8 frames (from the first keyframe, none after a gap until the next one). */
  frames: number;
  packets: number;
  /** Packets missing by sequence number. */
  lost: number;
}

/**
 * One watch-party viewer without a browser: a werift PeerConnection that subscribes with a viewer token over the
 * same signaling a page uses and reassembles the personalized video's VP8 frames without decoding them. Dozens fit
 * where a few Chromium pages fill the machine, so the load falls on Janus and the sfu.
 */
export class WatchPartyViewer {
  readonly record: ViewerRecord = { frames: 0, packets: 0, lost: 0 };
  private readonly pc: RTCPeerConnection;
  private readonly depacketizer = new Vp8Depacketizer();
  private lastSequence?: number;
  private askedAt = 0;

  /** `stunUrl`: a STUN server werift's ICE can reach (see StunResponder). */
  constructor(stunUrl: string) {
    this.pc = new RTCPeerConnection({ iceServers: [{ urls: stunUrl }] });
  }

  /** Subscribes on `socket` (one signaling connection per viewer, as each page has). */
  async join(socket: Socket, token: string): Promise<void> {
    const startedAt = Date.now();
    const since = () => Date.now() - startedAt;
    this.pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') this.record.connectedMs ??= since();
    });
    this.pc.onTrack.subscribe((track) => {
      if (track.kind !== 'video') return;
      track.onReceiveRtp.subscribe((rtp) => {
        const r = this.record;
        const { sequenceNumber: sequence, timestamp, marker, payloadType, ssrc } = rtp.header;
        r.packets++;
        r.firstPacketMs ??= since();
        // A late (reordered) packet is no loss, and does not move the newest sequence number back.
        const gap = this.lastSequence === undefined ? 0 : (sequence - this.lastSequence - 1) & 0xffff;
        if (gap < 0x8000) {
          r.lost += gap;
          this.lastSequence = sequence;
        }
        const frame = this.depacketizer.push(
          { sequence, timestamp, marker, payloadType, ssrc, payload: rtp.payload },
          performance.now(),
        );
        if (this.depacketizer.waitingForKeyframe) this.askForKeyframe(ssrc);
        if (!frame) return;
        r.frames++;
        if (frame.keyframe) r.firstKeyframeMs ??= since();
      });
    });
    const subscribed = await emit(socket, 'subscribe', { token });
    if (!subscribed.ok) throw new Error(`subscribe refused: ${JSON.stringify(subscribed.error)}`);
    await this.pc.setRemoteDescription(subscribed.offer as { type: 'offer'; sdp: string });
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    const answered = await emit(socket, 'subscribe:answer', {
      token,
      answer: { type: 'answer', sdp: this.pc.localDescription!.sdp },
    });
    if (!answered.ok) throw new Error(`answer refused: ${JSON.stringify(answered.error)}`);
  }

  /** As a browser does while it has nothing to decode: a PLI, again each second until a keyframe comes. */
  private askForKeyframe(ssrc: number): void {
    const now = Date.now();
    if (now - this.askedAt < KEYFRAME_ASK_MS) return;
    this.askedAt = now;
    const video = this.pc.getTransceivers().find((t) => t.kind === 'video');
    void video?.receiver.sendRtcpPLI(ssrc).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.pc.close();
  }
}
