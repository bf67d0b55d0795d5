import dgram from 'node:dgram';

/** How often the latch packet is repeated (Janus keeps the last address it heard from). */
const LATCH_INTERVAL_MS = 5000;
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

/** An empty RTCP receiver report from `ssrc`: the smallest packet Janus accepts as RTCP. */
export function emptyReceiverReport(ssrc: number): Buffer {
  const rr = Buffer.alloc(8);
  rr[0] = 0x80;
  rr[1] = RTCP_RR;
  rr.writeUInt16BE(1, 2);
  rr.writeUInt32BE(ssrc >>> 0, 4);
  return rr;
}

/**
 * Keyframe requests from the mountpoint's watchers. Janus's streaming plugin sends a PLI to the address its RTCP
 * port last heard from when a watcher starts (so a late viewer need not wait for the next periodic keyframe) and
 * relays a watcher's own PLI/FIR (after packet loss); this socket says hello to that port and listens.
 */
export class KeyframeRequests {
  private readonly socket = dgram.createSocket('udp4');
  private latchTimer?: NodeJS.Timeout;

  private constructor(onRequest: () => void) {
    this.socket.on('message', (msg) => {
      if (asksForKeyframe(msg)) onRequest();
    });
    // A closed or unreachable port must not take the session down: keyframes still come periodically.
    this.socket.on('error', () => undefined);
  }

  static async open(
    bindHost: string,
    janus: { host: string; port: number },
    ssrc: number,
    onRequest: () => void,
  ): Promise<KeyframeRequests> {
    const requests = new KeyframeRequests(onRequest);
    await new Promise<void>((r) => requests.socket.bind(0, bindHost, r));
    const latch = () => requests.socket.send(emptyReceiverReport(ssrc), janus.port, janus.host);
    latch();
    requests.latchTimer = setInterval(latch, LATCH_INTERVAL_MS);
    return requests;
  }

  close(): void {
    clearInterval(this.latchTimer);
    this.socket.close();
  }
}
