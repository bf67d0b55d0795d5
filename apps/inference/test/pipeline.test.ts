import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, test } from 'node:test';
import { createLogger, type RgbImage } from '@tooncast/shared';
import { DEFAULT_TEST_CLIP, drawFrame, readBarcode } from '../../../scripts/services/test-clip.ts';
import { type FrameProcessor, PassThroughProcessor } from '../src/frame-processor.ts';
import { Vp8Decoder, Vp8Encoder } from '../src/media/codec.ts';
import { percentileOf } from '../src/media/frame-timing.ts';
import { LivePipeline, type PipelineStats } from '../src/media/pipeline.ts';
import { buildRtp, parseRtp } from '../src/media/rtp.ts';
import { Vp8Depacketizer, Vp8Packetizer, vp8KeyframeSize } from '../src/media/vp8.ts';

const log = createLogger('pipeline-test', 'warn');
const { width, height } = DEFAULT_TEST_CLIP;
const FRAMES = 72;
const fail = (e: Error) => assert.fail(e);

/** What a browser watching the mountpoint got from one pipeline run. */
interface Run {
  received: { id: number | undefined; timestamp: number }[];
  keyframes: number;
  audioArrivals: number[];
  stats: PipelineStats[];
}

/**
 * Runs the worker's media path with real ffmpeg over loopback UDP: barcoded frames go in as VP8 RTP at 24 fps (as
 * Janus forwards them) and come out as VP8 RTP (as the mountpoint receives them), depacketized and decoded here.
 */
async function runPipeline(processor: FrameProcessor): Promise<Run> {
  const mountpoint = dgram.createSocket('udp4');
  const audioOut = dgram.createSocket('udp4');
  const bind = (s: dgram.Socket) => new Promise<number>((r) => s.bind(0, '127.0.0.1', () => r(s.address().port)));
  const [videoPort, audioPort] = await Promise.all([bind(mountpoint), bind(audioOut)]);
  const stats: PipelineStats[] = [];
  const pipeline = new LivePipeline(
    {
      width,
      height,
      keyframeInterval: 12,
      output: { host: '127.0.0.1', videoPort, audioPort, videoPt: 96, audioPt: 111 },
    },
    processor,
    log,
    (s) => stats.push(s),
    fail,
  );
  const input = await pipeline.listen('127.0.0.1');
  const sender = dgram.createSocket('udp4');
  after(async () => {
    await pipeline.close();
    for (const s of [mountpoint, audioOut, sender]) s.close();
  });

  const received: Run['received'] = [];
  const timestamps: number[] = [];
  const depacketizer = new Vp8Depacketizer();
  let decoder: Vp8Decoder | undefined;
  let keyframes = 0;
  mountpoint.on('message', (msg) => {
    const frame = depacketizer.push(parseRtp(msg)!, performance.now());
    if (!frame) return;
    if (frame.keyframe) keyframes++;
    decoder ??= new Vp8Decoder(
      width,
      height,
      (rgb: RgbImage) => {
        received.push({ id: readBarcode(rgb.data, width, height), timestamp: timestamps.shift()! });
      },
      log,
      fail,
    );
    timestamps.push(frame.timestamp);
    decoder.decode(frame.data, frame.timestamp, vp8KeyframeSize(frame.data) ?? { width, height });
  });
  const audioArrivals: number[] = [];
  audioOut.on('message', () => audioArrivals.push(performance.now()));

  // The publisher: barcoded frames, VP8 at 24 fps, RTP timestamps 3750 apart.
  const packetizer = new Vp8Packetizer(42, 96);
  let index = 0;
  const encoder = new Vp8Encoder(
    { width, height, keyframeInterval: 24, bitrateKbps: 2000 },
    (vp8) => {
      const ts = 1000 + index++ * 3750;
      for (const p of packetizer.packetize(vp8, ts)) sender.send(p, input.videoPort, '127.0.0.1');
    },
    log,
    fail,
  );
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < FRAMES; i++) {
    drawFrame(i + 1, DEFAULT_TEST_CLIP, rgb);
    encoder.encode({ width, height, data: Buffer.from(rgb) });
    const audio = buildRtp({ payloadType: 111, marker: false, sequence: i, timestamp: i * 960, ssrc: 7 }, [
      Buffer.alloc(60),
    ]);
    sender.send(audio, input.audioPort, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 1000 / 24));
  }
  // Until the output has been quiet for a second (or 10 s at most).
  const deadline = Date.now() + 10_000;
  for (let seen = -1; seen !== received.length && Date.now() < deadline; ) {
    seen = received.length;
    await new Promise((r) => setTimeout(r, 1000));
  }
  await encoder.close();
  await decoder?.close();
  return { received, keyframes, audioArrivals, stats };
}

const inOrder = (ids: (number | undefined)[]) => ids.every((id, i) => i === 0 || id! > ids[i - 1]!);

test('RTP in → decode → pass-through → encode → RTP out keeps frames, order and timestamps', async () => {
  const { received, keyframes, audioArrivals, stats } = await runPipeline(new PassThroughProcessor());
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
  assert.ok(
    stats.some((s) => s.fps > 0 && s.latencyP50 > 0),
    'stats report fps and latency',
  );
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
