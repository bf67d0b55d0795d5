import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asksForKeyframe, emptyReceiverReport } from '../src/media/rtcp.ts';
import { parseRtp, type RtpPacket } from '../src/media/rtp.ts';
import { Vp8Depacketizer, Vp8Packetizer, vp8KeyframeSize } from '../src/media/vp8.ts';

/** A fake VP8 keyframe: the 10-byte header (frame tag, start code, 640x360) and a payload. */
function keyframe(size: number): Buffer {
  const b = Buffer.alloc(size, 0xab);
  b[0] = 0x10; // P bit 0: keyframe
  b.set([0x9d, 0x01, 0x2a], 3);
  b.writeUInt16LE(640, 6);
  b.writeUInt16LE(360, 8);
  return b;
}

test('VP8 frames survive packetizing and depacketizing, with 15-bit picture ids', () => {
  const packetizer = new Vp8Packetizer(1234, 96, 1000);
  const depacketizer = new Vp8Depacketizer();
  const frame = keyframe(3500);
  const packets = packetizer.packetize(frame, 90_000).map((p) => parseRtp(p)!);
  assert.equal(packets.length, 4);
  assert.deepEqual(
    packets.map((p) => p.marker),
    [false, false, false, true],
  );
  // X=1 with I=1 and M=1: a two-byte picture id, so Chrome never sees the 7-bit wrap.
  assert.equal(packets[0].payload[1] & 0x80, 0x80);
  assert.equal(packets[0].payload[2] & 0x80, 0x80);
  let out: ReturnType<Vp8Depacketizer['push']>;
  for (const p of packets) out = depacketizer.push(p, 0);
  assert.ok(out!);
  assert.equal(out.keyframe, true);
  assert.equal(out.timestamp, 90_000);
  assert.deepEqual(out.data, frame);
  assert.deepEqual(vp8KeyframeSize(out.data), { width: 640, height: 360 });
});

test('after a lost packet nothing is emitted until the next keyframe', () => {
  const packetizer = new Vp8Packetizer(1, 96, 1000);
  const depacketizer = new Vp8Depacketizer();
  const inter = Buffer.alloc(2500, 1); // P bit 1: interframe
  for (const p of packetizer.packetize(keyframe(1500), 0)) depacketizer.push(parseRtp(p)!, 0);
  const lossy = packetizer.packetize(inter, 3000).map((p) => parseRtp(p)!);
  for (const p of [lossy[0], lossy[2]]) assert.equal(depacketizer.push(p, 0), undefined);
  for (const p of packetizer.packetize(inter, 6000)) assert.equal(depacketizer.push(parseRtp(p)!, 0), undefined);
  const next = packetizer.packetize(keyframe(1200), 9000).map((p) => depacketizer.push(parseRtp(p)!, 0));
  assert.equal(next.at(-1)?.keyframe, true);
});

for (const [name, lose] of [
  ['the last packet of a frame', (frame: RtpPacket[]) => frame.slice(0, -1)],
  ['a whole frame', () => []],
] as const) {
  test(`after losing ${name} nothing is emitted until the next keyframe, which is asked for`, () => {
    const packetizer = new Vp8Packetizer(1, 96, 1000);
    const depacketizer = new Vp8Depacketizer();
    const inter = (size: number) => Buffer.alloc(size, 1); // P bit 1: interframe
    const packets = (frame: Buffer, timestamp: number) =>
      packetizer.packetize(frame, timestamp).map((p) => parseRtp(p)!);
    for (const p of packets(keyframe(1500), 0)) depacketizer.push(p, 0);
    assert.equal(depacketizer.waitingForKeyframe, false);
    for (const p of lose(packets(inter(2500), 3000))) depacketizer.push(p, 0);
    // The next delta frame starts right after the gap: it references the lost frame.
    const next = packets(inter(800), 6000).map((p) => depacketizer.push(p, 0));
    assert.deepEqual(next, [undefined]);
    assert.equal(depacketizer.waitingForKeyframe, true);
    const recovered = packets(keyframe(1200), 9000).map((p) => depacketizer.push(p, 0));
    assert.equal(recovered.at(-1)?.keyframe, true);
    assert.equal(depacketizer.waitingForKeyframe, false);
  });
}

test('padding-only packets between frames are no gap', () => {
  const packetizer = new Vp8Packetizer(1, 96, 1000);
  const depacketizer = new Vp8Depacketizer();
  for (const p of packetizer.packetize(keyframe(1500), 0)) depacketizer.push(parseRtp(p)!, 0);
  const [delta] = packetizer.packetize(Buffer.alloc(800, 1), 3000).map((p) => parseRtp(p)!);
  // A probe takes the delta frame's sequence number, which moves on by one.
  depacketizer.push({ ...delta, marker: false, payload: Buffer.alloc(0) }, 0);
  assert.ok(depacketizer.push({ ...delta, sequence: (delta.sequence + 1) & 0xffff }, 0));
  assert.equal(depacketizer.waitingForKeyframe, false);
});

test('malformed RTP is ignored', () => {
  assert.equal(parseRtp(Buffer.from([1, 2, 3])), undefined);
  assert.equal(parseRtp(Buffer.alloc(20)), undefined);
});

test('keyframe requests are found in compound RTCP: PLI and FIR, not a receiver report', () => {
  const rr = emptyReceiverReport(7);
  const feedback = (format: number) => Buffer.from([0x80 | format, 206, 0, 2, 0, 0, 0, 7, 0, 0, 0, 9]);
  assert.equal(asksForKeyframe(rr), false);
  assert.equal(asksForKeyframe(Buffer.concat([rr, feedback(1)])), true, 'RR + PLI');
  assert.equal(asksForKeyframe(Buffer.concat([rr, feedback(4)])), true, 'RR + FIR');
  assert.equal(asksForKeyframe(Buffer.concat([rr, feedback(15)])), false, 'application-layer feedback (REMB)');
  assert.equal(asksForKeyframe(Buffer.from([0x12, 0x34, 0x56])), false, 'not RTCP');
});
