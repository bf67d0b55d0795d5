import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { type TestContext, test } from 'node:test';
import { AudioRelay } from '../src/media/audio-relay.ts';

const HOST = '127.0.0.1';

function opusPacket(sequence: number): Buffer {
  const p = Buffer.alloc(40);
  p[0] = 0x80;
  p[1] = 111;
  p.writeUInt16BE(sequence, 2);
  p.writeUInt32BE(sequence * 960, 4);
  return p;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A mountpoint stand-in that keeps what it receives, and a sender, both closed after the test. */
async function mountpointAndSender(t: TestContext) {
  const mountpoint = dgram.createSocket('udp4');
  const sender = dgram.createSocket('udp4');
  t.after(() => {
    mountpoint.close();
    sender.close();
  });
  await new Promise<void>((r) => mountpoint.bind(0, HOST, () => r()));
  const received: Buffer[] = [];
  mountpoint.on('message', (m) => received.push(m));
  return { sender, received, output: { host: HOST, port: mountpoint.address().port } };
}

test('closing one session while its sound waits leaves the other sessions on the relay thread relaying', async (t) => {
  const { sender, received, output } = await mountpointAndSender(t);
  const [closing, staying] = await Promise.all([AudioRelay.start(HOST, output), AudioRelay.start(HOST, output)]);
  t.after(() => staying.close());

  closing.setDelay(200);
  for (let i = 0; i < 5; i++) sender.send(opusPacket(i), closing.port, HOST);
  await sleep(50);
  await closing.close();

  staying.setDelay(50);
  await sleep(300);
  received.length = 0;
  for (let i = 0; i < 10; i++) {
    sender.send(opusPacket(i), staying.port, HOST);
    await sleep(20);
  }
  await sleep(300);
  assert.ok(received.length >= 9, `the other session's sound goes on (${received.length} of 10 packets)`);
  // The video delay grew from 0 to 50 ms before its first packet: the timestamps moved on by as much (48 kHz).
  assert.equal(received[0].readUInt32BE(4) - received[0].readUInt16BE(2) * 960, 50 * 48);
});

test('packets dropped as too late are counted while the relay runs: each one is missing at the mountpoint', async (t) => {
  const { sender, received, output } = await mountpointAndSender(t);
  const relay = await AudioRelay.start(HOST, output);
  // A clip playing (a packet each 20 ms), its page stalled for 400 ms, then the backlog at once: its moment passed.
  const PACKETS = 30;
  for (let i = 0; i < 10; i++) {
    sender.send(opusPacket(i), relay.port, HOST);
    await sleep(20);
  }
  await sleep(400);
  for (let i = 10; i < PACKETS; i++) sender.send(opusPacket(i), relay.port, HOST);
  await sleep(300);
  const dropped = relay.dropped;
  assert.ok(dropped >= 5, `the backlog's late packets are counted (${dropped})`);
  assert.equal(received.length, PACKETS - dropped, 'every packet was either relayed or counted as dropped');
  assert.equal(await relay.close(), dropped, 'closing reports the same count');
});
