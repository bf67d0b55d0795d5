import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, test } from 'node:test';
import { createLogger, type RgbImage } from '@tooncast/shared';
import { capturedTimes } from '@tooncast/synth';
import { DEFAULT_TEST_CLIP, drawFrame, readBarcode } from '../../../scripts/services/test-clip.ts';
import { type FrameProcessor, PassThroughProcessor } from '../src/frame-processor.ts';
import { AudioRelay } from '../src/media/audio-relay.ts';
import { Vp8Decoder, Vp8Encoder } from '../src/media/codec.ts';
import { percentileOf } from '../src/media/frame-timing.ts';
import { KeyframeRequests } from '../src/media/keyframe-requests.ts';
import type { PictureRect, Size } from '../src/media/picture-rect.ts';
import { LivePipeline, type PipelineStats } from '../src/media/pipeline.ts';
import { PublisherKeyframes } from '../src/media/publisher-keyframes.ts';
import { asksForKeyframe, emptyReceiverReport } from '../src/media/rtcp.ts';
import { buildRtp, parseRtp } from '../src/media/rtp.ts';
import { Vp8Depacketizer, Vp8Packetizer, vp8KeyframeSize } from '../src/media/vp8.ts';

const log = createLogger('pipeline-test', 'warn');
const { width, height } = DEFAULT_TEST_CLIP;
const FRAMES = 72;
const fail = (e: Error) => assert.fail(e);

/** What a browser watching the mountpoint got from one pipeline run. */
interface Run {
  /** Each frame decoded, with when its last packet arrived (performance.now()). */
  received: { id: number | undefined; timestamp: number; keyframe: boolean; at: number }[];
  audioArrivals: number[];
  stats: PipelineStats[];
  /** The publisher frame being sent when each keyframe request reached the forwarder's RTCP port. */
  publisherKeyframeRequests: number[];
  /** When the mountpoint asked for keyframes (performance.now()). */
  keyframeRequestedAt: number[];
}

interface RunOptions {
  /** Frames held back from the `from`th on and then sent at once. */
  stall?: { from: number; frames: number };
  /**
   * The mountpoint's RTCP port asks for a keyframe when the publisher sends these frames, or 'paused' once the
   * publisher sent its last frame (periodic keyframes off either way).
   */
  keyframeRequestAt?: number[] | 'paused';
  /** One packet of this frame is lost on the way in. */
  lossAt?: number;
  /** The publisher's first RTP timestamp (default 1000). */
  firstTimestamp?: number;
  /** From frame `at` on the publisher's RTP timestamps are `ticks` apart from before (a republished stream's own timeline). */
  timelineJump?: { at: number; ticks: number };
  /** The publisher's RTP timestamps jitter as a publishing Chrome's capture times do (synth capturedTimes). */
  captureJitter?: boolean;
  /** The publisher's picture size (default: the worker's frame size). */
  source?: Size;
  /**
   * From this frame on a new VideoRoom forwarder carries the stream (the publisher renegotiated): its RTCP socket
   * says hello from another port, and the old one is gone.
   */
  newForwarderAt?: number;
}

/**
 * Runs the worker's media path with real ffmpeg over loopback UDP: barcoded frames go in as VP8 RTP at 24 fps (as
 * Janus forwards them) and come out as VP8 RTP (as the mountpoint receives them), depacketized and decoded here.
 */
async function runPipeline(
  processor: FrameProcessor,
  {
    stall,
    keyframeRequestAt,
    lossAt,
    timelineJump,
    firstTimestamp = 1000,
    captureJitter,
    source,
    newForwarderAt,
  }: RunOptions = {},
): Promise<Run> {
  const mountpoint = dgram.createSocket('udp4');
  const audioOut = dgram.createSocket('udp4');
  // Janus's RTCP port for the video: it learns the worker's address from the worker's packets.
  const mountpointRtcp = dgram.createSocket('udp4');
  let worker: dgram.RemoteInfo | undefined;
  mountpointRtcp.on('message', (_msg, from) => {
    worker = from;
  });
  const bind = (s: dgram.Socket) => new Promise<number>((r) => s.bind(0, '127.0.0.1', () => r(s.address().port)));
  // The VideoRoom forwarder's RTCP port: it says hello to the worker's, and relays keyframe requests to the publisher.
  const publisherKeyframeRequests: number[] = [];
  const openForwarderRtcp = async (workerPort: number) => {
    const socket = dgram.createSocket('udp4');
    socket.on('message', (msg) => {
      if (asksForKeyframe(msg)) publisherKeyframeRequests.push(index);
    });
    await bind(socket);
    socket.send(emptyReceiverReport(1), workerPort, '127.0.0.1');
    return socket;
  };
  const [videoPort, audioPort, videoRtcpPort] = await Promise.all([
    bind(mountpoint),
    bind(audioOut),
    bind(mountpointRtcp),
  ]);
  const stats: PipelineStats[] = [];
  const keyframeRequestedAt: number[] = [];
  const askKeyframe = () => {
    // A picture-loss indication as Janus sends it (RTCP PSFB, FMT 1; sender and media SSRC left 0).
    const pli = Buffer.from([0x81, 206, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
    if (worker) mountpointRtcp.send(pli, worker.port, worker.address);
    keyframeRequestedAt.push(performance.now());
  };
  const pipeline = new LivePipeline(
    {
      width,
      height,
      keyframeInterval: keyframeRequestAt ? 1000 : 12,
      output: { host: '127.0.0.1', videoPort, audioPort, videoPt: 96, audioPt: 111, videoRtcpPort },
    },
    processor,
    log,
    (s) => stats.push(s),
    fail,
  );
  const input = await pipeline.listen('127.0.0.1');
  let forwarderRtcp = await openForwarderRtcp(input.videoRtcpPort);
  const sender = dgram.createSocket('udp4');
  after(async () => {
    await pipeline.close();
    for (const s of [mountpoint, audioOut, sender, mountpointRtcp, forwarderRtcp]) s.close();
  });

  const received: Run['received'] = [];
  const sent: { timestamp: number; keyframe: boolean; at: number }[] = [];
  const depacketizer = new Vp8Depacketizer();
  let decoder: Vp8Decoder | undefined;
  mountpoint.on('message', (msg) => {
    const frame = depacketizer.push(parseRtp(msg)!, performance.now());
    if (!frame) return;
    decoder ??= new Vp8Decoder(
      width,
      height,
      (rgb: RgbImage) => {
        received.push({ id: readBarcode(rgb.data, width, height), ...sent.shift()! });
      },
      log,
      fail,
    );
    sent.push({ timestamp: frame.timestamp, keyframe: frame.keyframe, at: frame.arrivedAt });
    decoder.decode(frame.data, frame.timestamp, vp8KeyframeSize(frame.data) ?? { width, height });
  });
  const audioArrivals: number[] = [];
  audioOut.on('message', () => audioArrivals.push(performance.now()));

  // The publisher: barcoded frames, VP8 at 24 fps, RTP timestamps 3750 apart; frames of a `stall` are held back
  // and then sent at once, as a stalled publisher or network delivers them.
  const packetizer = new Vp8Packetizer(42, 96);
  const captured = capturedTimes();
  let index = 0;
  const held: Buffer[] = [];
  const clip = { ...DEFAULT_TEST_CLIP, ...source };
  const encoder = new Vp8Encoder(
    { width: clip.width, height: clip.height, keyframeInterval: 24, bitrateKbps: 2000 },
    (vp8) => {
      const i = index++;
      const jump = timelineJump && i + 1 >= timelineJump.at ? timelineJump.ticks : 0;
      const ticks = captureJitter ? Math.round(captured(i / 24, i) * 90_000) : i * 3750;
      const packets = packetizer.packetize(vp8, (firstTimestamp + ticks + jump) >>> 0);
      held.push(...(i + 1 === lossAt ? packets.slice(1) : packets));
      if (stall && i >= stall.from && i < stall.from + stall.frames - 1) return;
      for (const p of held.splice(0)) sender.send(p, input.videoPort, '127.0.0.1');
    },
    log,
    fail,
  );
  const rgb = new Uint8Array(clip.width * clip.height * 3);
  const started = performance.now();
  for (let i = 0; i < FRAMES; i++) {
    if (Array.isArray(keyframeRequestAt) && keyframeRequestAt.includes(i + 1)) askKeyframe();
    if (i + 1 === newForwarderAt) {
      forwarderRtcp.close();
      forwarderRtcp = await openForwarderRtcp(input.videoRtcpPort);
    }
    drawFrame(i + 1, clip, rgb);
    encoder.encode({ width: clip.width, height: clip.height, data: Buffer.from(rgb) });
    // Sound in real time: one packet a frame, 1/24 s of 48 kHz.
    const audio = buildRtp({ payloadType: 111, marker: false, sequence: i, timestamp: i * 2000, ssrc: 7 }, [
      Buffer.alloc(60),
    ]);
    sender.send(audio, input.audioPort, '127.0.0.1');
    // In real time, as the timestamps say: the next frame is due (i + 1) / 24 s after the first.
    await new Promise((r) => setTimeout(r, started + ((i + 1) * 1000) / 24 - performance.now()));
  }
  if (keyframeRequestAt === 'paused') {
    // Once the last frame is out: a watcher starting on a paused stream.
    await new Promise((r) => setTimeout(r, 500));
    askKeyframe();
  }
  // Until the output has been quiet for a second (or 10 s at most).
  const deadline = Date.now() + 10_000;
  for (let seen = -1; seen !== received.length && Date.now() < deadline; ) {
    seen = received.length;
    await new Promise((r) => setTimeout(r, 1000));
  }
  await encoder.close();
  await decoder?.close();
  return { received, audioArrivals, stats, publisherKeyframeRequests, keyframeRequestedAt };
}

const inOrder = (ids: (number | undefined)[]) => ids.every((id, i) => i === 0 || id! > ids[i - 1]!);

test('RTP in → decode → pass-through → encode → RTP out keeps frames, order and timestamps', async () => {
  const { received, audioArrivals, stats } = await runPipeline(new PassThroughProcessor());
  const keyframes = received.filter((r) => r.keyframe).length;
  assert.ok(received.length >= FRAMES - 2, `received ${received.length} of ${FRAMES} frames`);
  const ids = received.map((r) => r.id);
  assert.ok(
    ids.every((id) => id !== undefined),
    'every frame still carries its barcode',
  );
  assert.ok(inOrder(ids), 'frames come out in order');
  for (const r of received) assert.equal(r.timestamp, 1000 + (r.id! - 1) * 3750, 'the source RTP timestamp is kept');
  assert.ok(keyframes >= 4, `a keyframe every 12 frames for late viewers (${keyframes})`);
  assert.ok(audioArrivals.length >= FRAMES - 2, 'the clip audio is relayed');
  const buffers = stats.at(-1)!.frameBuffers;
  // Buffers in flight (decoding, the last picture, frames queued for ffmpeg's stdin) grow with the encoder's
  // backlog: 3 on a quiet machine, 7 in a CI run, 12 beside three CPU hogs; one per frame without reuse.
  assert.ok(buffers <= FRAMES / 4, `${buffers} frame buffers for ${FRAMES} frames: each is used again once encoded`);
  assert.ok(
    stats.some((s) => s.fps > 0 && s.latencyP50 > 0),
    'stats report fps and latency',
  );
  assert.ok(
    stats.every((s) => s.captureJitterMs === 0),
    `timestamps 3750 apart are captured evenly: ${stats.map((s) => s.captureJitterMs)}`,
  );
});

test("the publisher's capture jitter is reported, as the times the engine gets", async () => {
  const { received, stats } = await runPipeline(new PassThroughProcessor(), {
    captureJitter: true,
    firstTimestamp: 100_000,
  });
  assert.ok(received.length >= FRAMES - 2, `received ${received.length} of ${FRAMES} frames`);
  const seconds = stats.filter((s) => s.fps > 0).map((s) => s.captureJitterMs);
  // The measured offsets (−44…+50 ms) spread the 41.7 ms steps by about 40 ms.
  assert.ok(percentileOf(seconds, 0.5) >= 20, `capture jitter per second, ms: ${seconds}`);
});

test('publisher timestamps that wrap past 2^32 keep every frame and its timestamp', async () => {
  // The wrap comes after frame 30: a one-hour session crosses one with a chance of about 1 in 13.
  const first = 2 ** 32 - 30 * 3750;
  const { received } = await runPipeline(new PassThroughProcessor(), { firstTimestamp: first });
  assert.ok(received.length >= FRAMES - 2, `received ${received.length} of ${FRAMES} frames`);
  const ids = received.map((r) => r.id);
  assert.ok(inOrder(ids), 'frames come out in order');
  assert.ok(ids.includes(30) && ids.includes(32), 'frames either side of the wrap');
  for (const r of received) assert.equal(r.timestamp, (first + (r.id! - 1) * 3750) >>> 0, `frame ${r.id}'s timestamp`);
});

test('a 4:3 clip keeps its shape: pillarboxed into the frame, the processor told where its picture is', async () => {
  const seen: { picture: PictureRect; blue: number[] }[] = [];
  const recorder: FrameProcessor = {
    async open() {},
    async close() {},
    process(frame, info) {
      // The blue of the test clip's sky under the barcode: 200 in the picture, 0 in the bars beside it.
      const blue = [40, 320, 600].map((x) => frame.data[3 * (40 * width + x) + 2]);
      seen.push({ picture: info.picture, blue });
      return frame;
    },
  };
  await runPipeline(recorder, { source: { width: 480, height: 360 } });
  assert.ok(seen.length >= FRAMES - 2, `${seen.length} of ${FRAMES} frames processed`);
  for (const { picture, blue } of seen) {
    assert.deepEqual(picture, { x: 80, y: 0, width: 480, height: 360 });
    assert.ok(blue[0] < 16 && blue[2] < 16 && blue[1] > 150, `black bars beside the sky: blue ${blue}`);
  }
});

/** A processor slower than the frame rate (60 ms per 41.7 ms frame), like the engine on a loaded machine. */
class SlowProcessor implements FrameProcessor {
  async open(): Promise<void> {}

  async process(frame: RgbImage): Promise<RgbImage> {
    await new Promise((r) => setTimeout(r, 60));
    return frame;
  }

  async close(): Promise<void> {}
}

test('a processor slower than the frame rate: frames skip it rather than queue behind it', async () => {
  const { received, stats } = await runPipeline(new SlowProcessor());
  // Queued behind the busy processor, a frame would wait for the rest of its run (p95 ≈ 53 ms a second here); a
  // frame that would wait longer than 20 ms is dropped instead, so the next one finds the processor free.
  const steady = stats.slice(1).filter((s) => s.fps > 0);
  const waitP95 = percentileOf(
    steady.map((s) => s.stages.wait.p95),
    0.5,
  );
  assert.ok(waitP95 <= 35, `frames wait for the processor at most ~20 ms (p95, median second: ${waitP95} ms)`);
  // How many are skipped depends on how evenly a loaded machine delivers them (24 fps → 58 of 72 seen under load).
  assert.ok(received.length >= FRAMES * 0.35, `the stream still flows (${received.length} of ${FRAMES} frames)`);
  assert.ok(inOrder(received.map((r) => r.id)), 'frames come out in order');
});

test('frames arriving in a burst are all decoded: none wait for the next keyframe', async () => {
  // Frame ids are 1-based: frames 31–44 arrive together, 0.55 s late; the publisher's next keyframe is frame 49.
  const { received } = await runPipeline(new PassThroughProcessor(), { stall: { from: 30, frames: 14 } });
  const ids = received.map((r) => r.id!);
  const fromBurst = ids.filter((id) => id > 30 && id <= FRAMES - 2);
  assert.ok(fromBurst.length >= FRAMES - 2 - 30 - 1, `the burst and the frames after it flow on (${fromBurst.length})`);
  assert.ok(inOrder(ids), 'frames come out in order');
});

test('a watcher asks for a keyframe (RTCP PLI from the mountpoint): the picture last sent comes again at once as one', async () => {
  const { received, keyframeRequestedAt } = await runPipeline(new PassThroughProcessor(), { keyframeRequestAt: [40] });
  const [asked] = keyframeRequestedAt;
  const keyframes = received.flatMap((r, i) => (r.keyframe ? [i] : []));
  assert.equal(received[0].keyframe, true, 'the stream starts with a keyframe');
  assert.equal(
    keyframes.length,
    2,
    `one keyframe on request, no periodic ones (${keyframes.map((i) => received[i].id)})`,
  );
  const repeat = received[keyframes[1]];
  const before = received[keyframes[1] - 1];
  assert.ok(repeat.at - asked < 150, `the keyframe came ${Math.round(repeat.at - asked)} ms after the request`);
  assert.ok(
    repeat.id! >= 36 && repeat.id! < 40,
    `it shows the picture last sent before the request (frame ${repeat.id})`,
  );
  // One encoder keeps the order: the original went out before its repeat.
  assert.equal(before.id, repeat.id, 'the original before the repeat');
  assert.equal(repeat.timestamp, before.timestamp + 1, 'one RTP tick after the original');
  assert.ok(
    received.every((r, i) => i === 0 || r.timestamp > received[i - 1].timestamp),
    'timestamps increase',
  );
  const ids = received.map((r) => r.id!);
  assert.ok(
    ids.every((id, i) => i === 0 || id > ids[i - 1] || (id === ids[i - 1] && i === keyframes[1])),
    'frames come out in order, the repeat the only picture shown twice',
  );
  assert.ok(new Set(ids).size >= FRAMES - 3, `no frames lost (${new Set(ids).size} of ${FRAMES})`);
});

test('a watcher that starts while the publisher is paused still gets a keyframe at once', async () => {
  const { received, keyframeRequestedAt } = await runPipeline(new PassThroughProcessor(), {
    keyframeRequestAt: 'paused',
  });
  const [asked] = keyframeRequestedAt;
  const last = received.at(-1)!;
  const lastFrame = received.at(-2)!;
  assert.ok(last.keyframe, 'the last frame out is a keyframe');
  assert.ok(last.at > asked, 'sent on the request');
  assert.ok(last.at - asked < 150, `within ${Math.round(last.at - asked)} ms`);
  assert.equal(last.id, lastFrame.id, 'the paused picture');
  assert.equal(last.timestamp, lastFrame.timestamp + 1);
});

test('watchers starting together share keyframes, and each gets one after its request', async () => {
  const { received, keyframeRequestedAt } = await runPipeline(new PassThroughProcessor(), {
    keyframeRequestAt: [40, 41, 42, 44, 46],
  });
  const keyframes = received.filter((r, i) => i > 0 && r.keyframe);
  assert.ok(keyframes.length < keyframeRequestedAt.length, `${keyframes.length} keyframes for 5 requests`);
  for (const asked of keyframeRequestedAt) {
    const answer = keyframes.find((k) => k.at > asked);
    assert.ok(answer, 'a keyframe after every request');
    assert.ok(answer.at - asked < 350, `one ${Math.round(answer.at - asked)} ms after a request`);
  }
  const ids = received.map((r) => r.id!);
  assert.ok(new Set(ids).size >= FRAMES - 3, `no frames lost (${new Set(ids).size} of ${FRAMES})`);
});

for (const [name, ticks] of [
  ['an older timeline', -900_000],
  ['a timeline 10 s later', 900_000],
] as const) {
  test(`a republished clip on ${name}: the output timeline continues`, async () => {
    // Periodic keyframes off (as with a keyframe request), the publisher's own every 24 frames (1, 25, 49).
    const { received } = await runPipeline(new PassThroughProcessor(), {
      keyframeRequestAt: [],
      timelineJump: { at: 40, ticks },
    });
    const byId = new Map(received.map((r) => [r.id!, r]));
    const [before, after] = [byId.get(39), byId.get(40)];
    assert.ok(before && after, 'the frames either side of the jump come out');
    // Janus's sender reports follow only newer timestamps: an older one would leave watchers' A/V sync stale.
    const steps = received.slice(1).map((r, i) => (r.timestamp - received[i].timestamp) | 0);
    assert.ok(
      steps.every((s) => s > 0),
      'output timestamps only grow',
    );
    // Across the jump: the time between the two frames' arrivals (one frame, 3750 ticks at 24 fps, give or take
    // the worker's jitter); elsewhere the publisher's own steps.
    const across = (after.timestamp - before.timestamp) | 0;
    assert.ok(across > 0 && across < 4 * 3750, `${across} ticks across the jump`);
    for (const [a, b] of [
      [1, 39],
      [40, 60],
    ]) {
      const span = (byId.get(b)!.timestamp - byId.get(a)!.timestamp) | 0;
      assert.equal(span, (b - a) * 3750, `steps kept in ${a}–${b}`);
    }
    assert.equal(received[0].timestamp, 1000, 'the output starts on the source timestamp');
    const keyframes = received.filter((r) => r.keyframe).map((r) => r.id);
    assert.deepEqual(keyframes, [1], 'one continuous stream needs no keyframe at the jump');
  });
}

test('a packet lost on the way in: the worker asks the publisher for a keyframe at once', async () => {
  // Frame ids are 1-based; the publisher's own keyframes come every 24 frames (frames 1, 25, 49).
  const { received, publisherKeyframeRequests } = await runPipeline(new PassThroughProcessor(), { lossAt: 30 });
  const asked = publisherKeyframeRequests.filter((at) => at >= 30);
  assert.ok(asked.length >= 1 && asked[0] <= 31, `asked while frame ${asked[0]} was sent (loss in frame 30)`);
  // Asked again every 500 ms while no keyframe comes (this publisher ignores requests), not once per packet.
  assert.ok(asked.length <= 2, `${asked.length} requests during the 0.8 s gap`);
  const ids = received.map((r) => r.id!);
  assert.ok(!ids.some((id) => id >= 30 && id < 49), 'nothing from the gap to the next keyframe reaches the decoder');
  assert.ok(ids.includes(49), 'the stream resumes at the next keyframe');
});

test("after the publisher renegotiates, the worker's keyframe requests go to the new forwarder", async () => {
  // A renegotiated publisher gets a new forwarder, whose RTCP comes from another port; the old port is closed.
  const { received, publisherKeyframeRequests } = await runPipeline(new PassThroughProcessor(), {
    newForwarderAt: 20,
    lossAt: 30,
  });
  const asked = publisherKeyframeRequests.filter((at) => at >= 30);
  assert.ok(
    asked.length >= 1 && asked[0] <= 31,
    `the new forwarder heard requests while frames ${asked} were sent (loss in frame 30)`,
  );
  assert.ok(received.map((r) => r.id).includes(49), 'the stream resumes at the next keyframe');
});

// Before, `listen` never settled when its video socket closed before it was bound (the test timed out), and a close
// during the relay's start left the relay thread, the RTCP sockets and the stats timer running.
for (const [when, afterMs] of [
  ['at once', 0],
  ['while its audio relay starts', 2],
] as const) {
  test(`a pipeline closed while it starts (${when}) leaves nothing open`, { timeout: 10_000 }, async () => {
    const stats: PipelineStats[] = [];
    const output = { host: '127.0.0.1', videoPort: 9, audioPort: 9, videoRtcpPort: 9, videoPt: 96, audioPt: 111 };
    const pipeline = new LivePipeline(
      { width, height, keyframeInterval: 12, output },
      new PassThroughProcessor(),
      log,
      (s) => stats.push(s),
      fail,
    );
    const listening = pipeline.listen('127.0.0.1');
    if (afterMs) await new Promise((r) => setTimeout(r, afterMs));
    await pipeline.close();
    const ports = await listening;
    // The audio relay's and the RTCP sockets' ports are free again, and no stats come.
    for (const port of [ports.audioPort, ports.videoRtcpPort]) {
      const socket = dgram.createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(port, '127.0.0.1', resolve);
      }).finally(() => socket.close());
    }
    await new Promise((r) => setTimeout(r, 1200));
    assert.deepEqual(stats, [], 'no stats from a closed pipeline');
  });
}

test('a pipeline whose audio relay fails to start closes the inputs that did open', async (t) => {
  // The relay fails once the other inputs are open (as when its thread is gone).
  t.mock.method(AudioRelay, 'start', async () => {
    await new Promise((r) => setTimeout(r, 100));
    throw new Error('the audio relay could not listen');
  });
  const closed = [PublisherKeyframes.prototype, KeyframeRequests.prototype].map((input) =>
    t.mock.method(input, 'close'),
  );
  const output = { host: '127.0.0.1', videoPort: 9, audioPort: 9, videoRtcpPort: 9, videoPt: 96, audioPt: 111 };
  const pipeline = new LivePipeline(
    { width, height, keyframeInterval: 12, output },
    new PassThroughProcessor(),
    log,
    () => undefined,
    fail,
  );
  await assert.rejects(pipeline.listen('127.0.0.1'), { message: 'the audio relay could not listen' });
  await pipeline.close();
  assert.deepEqual(
    closed.map((close) => close.mock.callCount()),
    [1, 1],
    "the publisher's keyframe requests and the watchers' are closed",
  );
});
