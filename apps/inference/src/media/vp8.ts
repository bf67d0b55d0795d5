import { buildRtp, type RtpPacket } from './rtp.ts';

export interface Vp8Frame {
  /** RTP timestamp (90 kHz) the publisher gave the frame; kept through the worker. */
  timestamp: number;
  keyframe: boolean;
  data: Buffer;
  /** performance.now() when the frame's last packet arrived. */
  arrivedAt: number;
}

/** Length of the VP8 payload descriptor (RFC 7741 §4.2) at the start of `payload`. */
function descriptorLength(payload: Buffer): number {
  let n = 1;
  if (payload[0] & 0x80) {
    const ext = payload[1];
    n = 2;
    if (ext & 0x80) n += payload[n] & 0x80 ? 2 : 1;
    if (ext & 0x40) n += 1;
    if (ext & 0x30) n += 1;
  }
  return n;
}

/**
 * Reassembles VP8 frames from RTP. A frame is emitted only when all its packets arrived in sequence;
 * after a gap nothing is emitted until the next keyframe, so the decoder never sees a broken reference chain
 * (and never silently drops a frame, which keeps frames in and frames out one-to-one).
 */
export class Vp8Depacketizer {
  private parts: Buffer[] = [];
  private timestamp = -1;
  private nextSequence = -1;
  private broken = true;

  /** True from a gap (or the start) until the next keyframe: the decoder needs one. */
  get waitingForKeyframe(): boolean {
    return this.broken;
  }

  push(packet: RtpPacket, now: number): Vp8Frame | undefined {
    const { payload } = packet;
    const inOrder = this.nextSequence < 0 || packet.sequence === this.nextSequence;
    this.nextSequence = (packet.sequence + 1) & 0xffff;
    // A gap breaks the chain before a frame's start too: the previous frame's end, or whole frames, were lost.
    if (!inOrder) {
      this.parts = [];
      this.broken = true;
    }
    // Padding-only packets (bandwidth probes) take sequence numbers too: counted, they are no gap.
    if (payload.length < 2) return undefined;
    const start = (payload[0] & 0x10) !== 0 && (payload[0] & 0x07) === 0;
    if (start) {
      this.parts = [];
      this.timestamp = packet.timestamp;
    } else if (packet.timestamp !== this.timestamp) {
      this.parts = [];
      this.broken = true;
      return undefined;
    }
    if (!start && this.parts.length === 0) return undefined;
    this.parts.push(payload.subarray(descriptorLength(payload)));
    if (!packet.marker) return undefined;
    const data = Buffer.concat(this.parts);
    this.parts = [];
    const keyframe = isVp8Keyframe(data);
    if (keyframe) this.broken = false;
    if (this.broken) return undefined;
    return { timestamp: packet.timestamp, keyframe, data, arrivedAt: now };
  }
}

/** The frame tag's inverse key-frame bit (RFC 6386 §9.1) is 0 on a keyframe. */
export function isVp8Keyframe(data: Buffer): boolean {
  return (data[0] & 0x01) === 0;
}

/** VP8 frame size from a keyframe header (RFC 6386 §9.1), or undefined for an interframe. */
export function vp8KeyframeSize(data: Buffer): { width: number; height: number } | undefined {
  if (data.length < 10 || !isVp8Keyframe(data) || data[3] !== 0x9d || data[4] !== 0x01 || data[5] !== 0x2a)
    return undefined;
  return { width: data.readUInt16LE(6) & 0x3fff, height: data.readUInt16LE(8) & 0x3fff };
}

/**
 * Splits VP8 frames into RTP packets with 15-bit picture IDs (7-bit IDs wrap every 128 frames and make
 * Chrome freeze), continuous sequence numbers and the source's RTP timestamps.
 */
export class Vp8Packetizer {
  private sequence = Math.floor(Math.random() * 0xffff);
  private pictureId = Math.floor(Math.random() * 0x7fff);

  constructor(
    private readonly ssrc: number,
    private readonly payloadType: number,
    private readonly maxPayload = 1100,
  ) {}

  packetize(frame: Buffer, timestamp: number): Buffer[] {
    const packets: Buffer[] = [];
    const pid = this.pictureId;
    this.pictureId = (this.pictureId + 1) & 0x7fff;
    for (let offset = 0; offset < frame.length; offset += this.maxPayload) {
      const chunk = frame.subarray(offset, Math.min(frame.length, offset + this.maxPayload));
      const descriptor = Uint8Array.of(offset === 0 ? 0x90 : 0x80, 0x80, 0x80 | (pid >> 8), pid & 0xff);
      const marker = offset + this.maxPayload >= frame.length;
      packets.push(
        buildRtp({ payloadType: this.payloadType, marker, sequence: this.sequence, timestamp, ssrc: this.ssrc }, [
          descriptor,
          chunk,
        ]),
      );
      this.sequence = (this.sequence + 1) & 0xffff;
    }
    return packets;
  }
}
