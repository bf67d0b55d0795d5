/**
 * The clip audio's relay, in its own thread: it re-sends each Opus RTP packet to the mountpoint after the current
 * video delay. Any timing jitter here makes the browser's audio jitter buffer grow, and the video is delayed to stay
 * in sync with it, so this loop does nothing else (the main thread moves ~30 MB/s of frames through pipes).
 */
import dgram from 'node:dgram';
import { parentPort, workerData } from 'node:worker_threads';

const { host, outHost, outPort } = workerData as { host: string; outHost: string; outPort: number };
const input = dgram.createSocket('udp4');
const output = dgram.createSocket('udp4');
let delayMs = 0;
let lastSendAt = 0;

input.on('message', (packet) => {
  const now = performance.now();
  const sendAt = Math.max(now + delayMs, lastSendAt);
  lastSendAt = sendAt;
  setTimeout(() => output.send(packet, outPort, outHost), sendAt - now);
});
parentPort!.on('message', (m: { delayMs?: number; close?: true }) => {
  if (m.delayMs !== undefined) delayMs = m.delayMs;
  if (m.close) {
    input.close();
    output.close();
    parentPort!.close();
  }
});
input.bind(0, host, () => parentPort!.postMessage({ port: input.address().port }));
