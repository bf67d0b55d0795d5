import dgram from 'node:dgram';
import { emptyReceiverReport, pictureLossIndication } from './rtcp.ts';

/** Janus passes on at most one request a second anyway; a burst of lost packets needs one. */
const MIN_INTERVAL_MS = 500;

/**
 * Keyframe requests to the publisher through the VideoRoom forwarder's RTCP port (Janus relays a PLI arriving there
 * to the publisher's browser), sent when the worker's decoder needs a keyframe: after a lost packet or a backlog.
 * Janus no longer asks the publisher every second: each of those keyframes reached the worker up to ~100 ms late
 * and the watchers' browsers, which see that as network jitter, buffered the video for it.
 */
export class PublisherKeyframes {
  private readonly socket = dgram.createSocket('udp4');
  /**
   * Where Janus's forwarder sends its RTCP from (the sfu tells it this port). Each forwarder binds its own port and
   * says hello from it once, so the newest sender wins: a renegotiated publisher gets a new forwarder, and the old
   * port is closed.
   */
  private janus?: { address: string; port: number };
  private askedAt = Number.NEGATIVE_INFINITY;
  /** Asked before any forwarder said hello: sent with the hello. Later asks need no memory (the caller repeats them). */
  private wanted = false;

  private constructor(private readonly ssrc: number) {
    this.socket.on('message', (_msg, from) => {
      if (this.janus?.address === from.address && this.janus.port === from.port) return;
      this.janus = { address: from.address, port: from.port };
      // A request that went to the old forwarder within the interval was lost with it.
      this.askedAt = Number.NEGATIVE_INFINITY;
      if (this.wanted) this.ask();
    });
    this.socket.on('error', () => undefined);
  }

  static async open(host: string, ssrc: number): Promise<PublisherKeyframes> {
    const requests = new PublisherKeyframes(ssrc);
    await new Promise<void>((r) => requests.socket.bind(0, host, r));
    return requests;
  }

  get port(): number {
    return this.socket.address().port;
  }

  ask(): void {
    this.wanted = !this.janus;
    const now = performance.now();
    if (!this.janus || now - this.askedAt < MIN_INTERVAL_MS) return;
    this.askedAt = now;
    const { port, address } = this.janus;
    this.socket.send(Buffer.concat([emptyReceiverReport(this.ssrc), pictureLossIndication(this.ssrc)]), port, address);
  }

  close(): void {
    this.socket.close();
  }
}
