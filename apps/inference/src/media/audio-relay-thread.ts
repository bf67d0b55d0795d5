/**
 * The clip audio's relays, in one thread per worker process (started once: a thread start costs a second or
 * more on a loaded machine, which would delay every session's first frame). Each relay re-sends a session's Opus
 * RTP packets to its mountpoint on a steady clock, after the current video delay (see AudioRetimer). Any timing
 * jitter here makes the browser's audio jitter buffer grow, and the video is delayed to stay in sync with it, so
 * this loop does nothing else (the main thread moves ~30 MB/s of frames through pipes).
 */
import dgram from 'node:dgram';
import { parentPort } from 'node:worker_threads';
import { AudioRetimer } from './audio-retimer.ts';

export type RelayRequest =
  /** `dropped`: one shared Int32 the relay keeps at the count of packets it dropped as too late (read at any time). */
  | { type: 'open'; id: number; host: string; outHost: string; outPort: number; dropped: Int32Array }
  | { type: 'delay'; id: number; delayMs: number }
  | { type: 'close'; id: number };
export type RelayReply = { id: number; port?: number; error?: string; closed?: true };

interface Relay {
  input: dgram.Socket;
  output: dgram.Socket;
  retimer: AudioRetimer;
}

const relays = new Map<number, Relay>();
const port = parentPort!;

function open(m: Extract<RelayRequest, { type: 'open' }>): void {
  const relay: Relay = {
    input: dgram.createSocket('udp4'),
    output: dgram.createSocket('udp4'),
    retimer: new AudioRetimer(),
  };
  relays.set(m.id, relay);
  relay.input.on('message', (packet) => {
    if (packet.length < 12) return;
    const now = performance.now();
    const placed = relay.retimer.place(packet.readUInt32BE(4), now);
    if (!placed) {
      Atomics.store(m.dropped, 0, relay.retimer.dropped);
      return;
    }
    packet.writeUInt32BE(placed.timestamp, 4);
    // A packet whose relay closed meanwhile is dropped: sent on the closed socket, it would throw and end this
    // thread, with every other session's sound.
    setTimeout(() => relays.get(m.id) === relay && relay.output.send(packet, m.outPort, m.outHost), placed.at - now);
  });
  relay.input.once('error', (err) => port.postMessage({ id: m.id, error: err.message } satisfies RelayReply));
  relay.input.bind(0, m.host, () =>
    port.postMessage({ id: m.id, port: relay.input.address().port } satisfies RelayReply),
  );
}

port.on('message', (m: RelayRequest) => {
  const relay = relays.get(m.id);
  switch (m.type) {
    case 'open':
      open(m);
      break;
    case 'delay':
      if (relay) relay.retimer.delayMs = m.delayMs;
      break;
    case 'close':
      relays.delete(m.id);
      // Packets still waiting for their time are dropped (see open).
      relay?.input.close();
      relay?.output.close();
      port.postMessage({ id: m.id, closed: true } satisfies RelayReply);
      break;
  }
});
