import dgram from 'node:dgram';
import { asksForKeyframe, emptyReceiverReport } from './rtcp.ts';

/** How often the latch packet is repeated (Janus keeps the last address it heard from). */
const LATCH_INTERVAL_MS = 5000;

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
