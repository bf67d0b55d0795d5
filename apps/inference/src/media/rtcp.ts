/** The few RTCP packets the worker reads and writes (RFC 3550 receiver report, RFC 4585 payload-specific feedback). */
const RTCP_RR = 201;
const RTCP_PSFB = 206;
const PSFB_PLI = 1;
const PSFB_FIR = 4;

/** True when a (compound) RTCP packet carries a picture-loss indication or a full-intra request. */
export function asksForKeyframe(buf: Buffer): boolean {
  for (let offset = 0; offset + 4 <= buf.length; ) {
    if (buf[offset] >> 6 !== 2) return false;
    const format = buf[offset] & 0x1f;
    if (buf[offset + 1] === RTCP_PSFB && (format === PSFB_PLI || format === PSFB_FIR)) return true;
    offset += (buf.readUInt16BE(offset + 2) + 1) * 4;
  }
  return false;
}

/** An RTCP header and sender SSRC, `words` 32-bit words after the first, the rest zero (Janus fills in media SSRCs). */
function rtcpPacket(type: number, format: number, words: number, ssrc: number): Buffer {
  const packet = Buffer.alloc(4 * (words + 1));
  packet[0] = 0x80 | format;
  packet[1] = type;
  packet.writeUInt16BE(words, 2);
  packet.writeUInt32BE(ssrc >>> 0, 4);
  return packet;
}

/** An empty RTCP receiver report from `ssrc`: the smallest packet Janus accepts as RTCP. */
export function emptyReceiverReport(ssrc: number): Buffer {
  return rtcpPacket(RTCP_RR, 0, 1, ssrc);
}

/** A picture-loss indication from `senderSsrc` (media SSRC 0: Janus fills in the publisher's). */
export function pictureLossIndication(senderSsrc: number): Buffer {
  return rtcpPacket(RTCP_PSFB, PSFB_PLI, 2, senderSsrc);
}
