import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import type { Logger, RgbImage } from '@tooncast/shared';
import type { FrameProcessor } from '../frame-processor.ts';
import { AudioRelay } from './audio-relay.ts';
import { Vp8Decoder, Vp8Encoder } from './codec.ts';
import { CaptureSteps, type FrameTimes, percentileOf, type StageSummary, StageTimes } from './frame-timing.ts';
import { KeyframeRequests } from './keyframe-requests.ts';
import { OutputTimeline } from './output-timeline.ts';
import { fitPicture, type PictureRect, type Size } from './picture-rect.ts';
import { PlayoutDelay } from './playout-delay.ts';
import { PublisherKeyframes } from './publisher-keyframes.ts';
import { parseRtp } from './rtp.ts';
import { isVp8Keyframe, Vp8Depacketizer, Vp8Packetizer, vp8KeyframeSize } from './vp8.ts';

export interface PipelineOptions {
  width: number;
  height: number;
  keyframeInterval: number;
  /** See PlayoutDelay: 'asap' (default) or 'paced'. */
  playout?: 'asap' | 'paced';
  /**
   * Where Janus's streaming mountpoint listens for the personalized stream; `videoRtcpPort` is where its watchers'
   * keyframe requests come from (none: periodic keyframes only).
   */
  output: {
    host: string;
    videoPort: number;
    audioPort: number;
    videoPt: number;
    audioPt: number;
    videoRtcpPort?: number;
  };
}

export interface PipelineStats {
  /** Frames sent to the mountpoint in the last second. */
  fps: number;
  /** Worker latency (last packet in → first packet out) over the last second, ms. */
  latencyP50: number;
  latencyP95: number;
  framesIn: number;
  framesOut: number;
  framesDropped: number;
  /** Delay after arrival at which frames and the clip audio leave the worker (the playout delay), ms. */
  audioDelayMs: number;
  /** Clip audio packets dropped as too late since the session started (see AudioRetimer). */
  audioDropped: number;
  /** Frame buffers the decoder made so far: a steady stream reuses a handful (see FramePool). */
  frameBuffers: number;
  /** The latency above by stage (decode, wait for the processor, process, encode, pace), last second. */
  stages: StageSummary;
  /** How unevenly the publisher's frames were captured over the last second, ms (see CaptureSteps). */
  captureJitterMs: number;
}

/**
 * How long the decoder may hold a frame before input skips to the next keyframe, ms: only a decoder that cannot
 * keep up gets there, not a burst of arrivals after a stalled publisher (decoding takes a few ms a frame; the
 * processor's admission below keeps the engine from falling behind).
 */
const MAX_DECODE_LAG_MS = 1000;
/** How long a repeated keyframe not out of the encoder yet answers new requests, ms (it takes a few). */
const REPEAT_ANSWERS_MS = 500;
/**
 * Least time between repeated keyframes, ms: a keyframe is several delta frames' worth of bits for every watcher, so
 * a watch party joining at once shares one, each waiting at most this long.
 */
const REPEAT_SPACING_MS = 200;
/**
 * A gap this long between two frames sent is logged with what the frame ending it went through, ms: Chrome counts a
 * freeze from ~150 ms over the frame interval.
 */
const OUTPUT_GAP_MS = 150;
/** A frame decoded while the processor is busy waits for it only if it should be free within this long, ms. */
const MAX_PROCESSOR_WAIT_MS = 20;
/** Processor runs whose median predicts when it will be free. */
const PROCESS_HISTORY = 24;

/**
 * A picture given to the encoder (again for a repeat, as `meta` then says). Its memory goes back to the decoder once
 * a later picture replaced it as the last one and ffmpeg took every copy written.
 */
interface Picture {
  frame: RgbImage;
  meta: InFlight;
  writing: number;
}

/** A frame on its way through the worker. */
interface InFlight {
  /** On the output timeline (see OutputTimeline). */
  timestamp: number;
  times: FrameTimes;
  /** The picture sent before, encoded again as a keyframe for a watcher (see repeatAsKeyframe). */
  repeat?: boolean;
  /** Where the publisher's picture sits in the decoded frame. */
  picture: PictureRect;
}

/** The ports the worker's media path receives on, for the VideoRoom forwarder. */
export interface InputPorts {
  videoPort: number;
  audioPort: number;
  videoRtcpPort: number;
}

/**
 * One session's media path inside the worker:
 * RTP (from the VideoRoom forwarder) → VP8 frames → ffmpeg decode → FrameProcessor → ffmpeg encode
 * → VP8 RTP with the source timestamps, kept on one timeline across republishes (see OutputTimeline) → Janus
 * streaming mountpoint, each frame a fixed playout delay after it arrived; the clip audio is relayed with the same
 * delay, which keeps lips in sync (see PlayoutDelay).
 */
export class LivePipeline {
  private readonly videoIn = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  private audio?: AudioRelay;
  private readonly out = dgram.createSocket('udp4');
  private readonly depacketizer = new Vp8Depacketizer();
  private readonly timeline = new OutputTimeline();
  private readonly packetizer: Vp8Packetizer;
  private readonly ssrc = randomInt(1, 2 ** 31);
  /** Started with the pipeline: an ffmpeg start on the first keyframe would delay the first frame. */
  private readonly decoder: Vp8Decoder;
  /** The publisher's picture size, from its first keyframe. */
  private decoderSize?: Size;
  /** Where the publisher's picture sits in the decoded frames, from its last keyframe (a republished clip may differ). */
  private picture?: PictureRect;
  private readonly encoder: Vp8Encoder;
  private keyframeRequests?: KeyframeRequests;
  private publisherKeyframes?: PublisherKeyframes;
  private decodeQueue: InFlight[] = [];
  /** Frames inside the encoder by input index: the encoder may drop a frame, so order alone cannot pair them. */
  private readonly encoding = new Map<number, InFlight>();
  private busy = false;
  private processorOpen = false;
  private skipToKeyframe = false;
  private firstTimestamp?: number;
  private processedFrames = 0;
  private waiting?: { frame: RgbImage; meta: InFlight };
  /** The picture last given to the encoder: a watcher that asks for a keyframe gets it again. */
  private lastPicture?: Picture;
  /** The last repeated keyframe: its input index, when it went in, whether it came out of the encoder yet. */
  private lastRepeat?: { index: number; at: number; out: boolean };
  /** A request that came too soon after the last repeat waits for this. */
  private repeatTimer?: NodeJS.Timeout;
  private processingSince = 0;
  private readonly recentProcessMs: number[] = [];
  private latencies: number[] = [];
  private readonly captureSteps = new CaptureSteps();
  private readonly stages = new StageTimes();
  private readonly playout: PlayoutDelay;
  private sentThisSecond = 0;
  /** The last frame sent (not a repeat), and the frames dropped by then: an output gap is logged against it. */
  private lastSent?: { meta: InFlight; dropped: number };
  private closed = false;
  /** `listen`'s work, while or once it runs. */
  private starting?: Promise<InputPorts>;
  private statsTimer?: NodeJS.Timeout;
  private counters = { framesIn: 0, framesOut: 0, framesDropped: 0 };

  constructor(
    private readonly options: PipelineOptions,
    private readonly processor: FrameProcessor,
    private readonly log: Logger,
    private readonly onStats: (stats: PipelineStats) => void,
    private readonly onFailure: (error: Error) => void,
  ) {
    this.playout = new PlayoutDelay(options.playout);
    this.packetizer = new Vp8Packetizer(this.ssrc, options.output.videoPt);
    this.decoder = new Vp8Decoder(
      options.width,
      options.height,
      (rgb) => this.onDecoded(rgb),
      log,
      (e) => this.fail(e),
    );
    this.encoder = new Vp8Encoder(
      { width: options.width, height: options.height, keyframeInterval: options.keyframeInterval, bitrateKbps: 1500 },
      (vp8, index) => this.sendVideo(vp8, index),
      log,
      (e) => this.fail(e),
    );
  }

  /**
   * Binds the two RTP inputs and the video's RTCP port (keyframe requests to the publisher) on `host` (ephemeral
   * ports) and returns them for the VideoRoom forwarder. Frames decoded before `processorOpen` resolves are dropped
   * (the decoder still follows the stream).
   */
  listen(host: string, processorOpen?: Promise<void>): Promise<InputPorts> {
    this.starting = this.openInputs(host, processorOpen);
    return this.starting;
  }

  private async openInputs(host: string, processorOpen?: Promise<void>): Promise<InputPorts> {
    this.processorOpen = !processorOpen;
    processorOpen?.then(
      () => {
        this.processorOpen = true;
      },
      () => undefined,
    );
    const { output } = this.options;
    // Each input is kept as it opens, and all are waited for even when one fails: `close` closes those that opened.
    const opened = await Promise.allSettled([
      new Promise<void>((r) => this.videoIn.bind(0, host, r)),
      AudioRelay.start(host, { host: output.host, port: output.audioPort }).then((audio) => {
        this.audio = audio;
      }),
      PublisherKeyframes.open(host, this.ssrc).then((keyframes) => {
        this.publisherKeyframes = keyframes;
      }),
      output.videoRtcpPort
        ? KeyframeRequests.open(host, { host: output.host, port: output.videoRtcpPort }, this.ssrc, () => {
            this.log.debug('keyframe requested by a watcher');
            this.repeatAsKeyframe();
          }).then((requests) => {
            this.keyframeRequests = requests;
          })
        : undefined,
    ]);
    for (const input of opened) if (input.status === 'rejected') throw input.reason;
    this.videoIn.on('message', (msg) => this.onVideoPacket(msg));
    this.statsTimer = setInterval(() => this.reportStats(), 1000);
    return {
      videoPort: this.videoIn.address().port,
      audioPort: this.audio!.port,
      videoRtcpPort: this.publisherKeyframes!.port,
    };
  }

  private onVideoPacket(msg: Buffer): void {
    const packet = parseRtp(msg);
    if (!packet) return;
    const frame = this.depacketizer.push(packet, performance.now());
    if (this.depacketizer.waitingForKeyframe) this.publisherKeyframes?.ask();
    if (!frame) return;
    const size = frame.keyframe ? vp8KeyframeSize(frame.data) : undefined;
    if (size) {
      if (!this.decoderSize) this.log.info({ publisherSize: size }, 'first keyframe from publisher');
      this.decoderSize ??= size;
      this.picture = fitPicture(size, this.options);
    }
    if (!this.picture || !this.decoderSize) return;
    this.counters.framesIn++;
    // A decoder this far behind cannot keep up: every later frame would be as late, so skip to the publisher's
    // next keyframe, asked for at once, instead.
    const oldest = this.decodeQueue[0];
    const behind = oldest !== undefined && frame.arrivedAt - oldest.times.arrived > MAX_DECODE_LAG_MS;
    if (frame.keyframe) this.skipToKeyframe = false;
    else if (this.skipToKeyframe || behind) {
      if (!this.skipToKeyframe)
        this.log.warn({ backlog: this.decodeQueue.length }, 'decoder behind: skipping to the next keyframe');
      this.skipToKeyframe = true;
      this.publisherKeyframes?.ask();
      this.counters.framesDropped++;
      return;
    }
    const { timestamp, newTimeline } = this.timeline.map(frame.timestamp, frame.arrivedAt);
    if (newTimeline) this.log.info('the publisher started a new timeline; the output continues its own');
    this.captureSteps.add(frame.timestamp, newTimeline);
    this.decodeQueue.push({ timestamp, times: { arrived: frame.arrivedAt }, picture: this.picture });
    this.decoder.decode(frame.data, timestamp, this.decoderSize);
  }

  private onDecoded(frame: RgbImage): void {
    const meta = this.decodeQueue.shift();
    if (!meta) return;
    meta.times.decoded = performance.now();
    if (!this.processorOpen) {
      this.decoder.recycle(frame);
      return;
    }
    if (this.busy) {
      // Waiting adds the processor's remaining time to this frame's latency: a frame waits only when the processor
      // should be free soon, else it is dropped and the next frame finds the processor ready. Only the newest
      // frame waits, so latency cannot grow without bound.
      const freeIn = this.processingSince + percentileOf(this.recentProcessMs, 0.5) - meta.times.decoded;
      if (this.waiting || freeIn > MAX_PROCESSOR_WAIT_MS) this.counters.framesDropped++;
      if (freeIn > MAX_PROCESSOR_WAIT_MS) {
        this.decoder.recycle(frame);
        return;
      }
      if (this.waiting) this.decoder.recycle(this.waiting.frame);
      this.waiting = { frame, meta };
      return;
    }
    void this.runProcessor(frame, meta);
  }

  private async runProcessor(frame: RgbImage, meta: InFlight): Promise<void> {
    this.busy = true;
    try {
      this.firstTimestamp ??= meta.timestamp;
      const timeSec = ((meta.timestamp - this.firstTimestamp) >>> 0) / 90_000;
      meta.times.processStart = this.processingSince = performance.now();
      const info = { index: this.processedFrames++, timeSec, picture: meta.picture };
      const result = await this.processor.process(frame, info);
      meta.times.processEnd = performance.now();
      this.recentProcessMs.push(meta.times.processEnd - meta.times.processStart);
      if (this.recentProcessMs.length > PROCESS_HISTORY) this.recentProcessMs.shift();
      if (this.closed) return;
      const replaced = this.lastPicture;
      this.lastPicture = { frame: result, meta, writing: 0 };
      this.encode(this.lastPicture);
      if (replaced) this.recycleIfDone(replaced);
    } catch (err) {
      this.fail(err as Error);
      return;
    } finally {
      this.busy = false;
    }
    const next = this.waiting;
    this.waiting = undefined;
    if (next) void this.runProcessor(next.frame, next.meta);
  }

  /**
   * A watcher that starts (or lost packets) waits for a keyframe. The next frame is a decode, a processor run and an
   * encode away, 100–200 ms with the engine and far more on a starved machine, or never while the publisher is
   * paused; the picture last sent, encoded again as a keyframe one RTP tick after it, leaves within milliseconds.
   */
  private repeatAsKeyframe(): void {
    if (this.closed || this.repeatTimer) return;
    const now = performance.now();
    const previous = this.lastRepeat;
    // A repeat still inside the encoder goes out after this request: it answers it (unless the encoder dropped it).
    if (previous && !previous.out && now - previous.at < REPEAT_ANSWERS_MS) return;
    const wait = previous ? previous.at + REPEAT_SPACING_MS - now : 0;
    if (wait > 0) {
      this.repeatTimer = setTimeout(() => {
        this.repeatTimer = undefined;
        this.repeatAsKeyframe();
      }, wait);
      return;
    }
    this.encoder.requestKeyframe();
    const last = this.lastPicture;
    if (!last) return;
    const meta: InFlight = {
      timestamp: (last.meta.timestamp + 1) >>> 0,
      times: { arrived: last.meta.times.arrived },
      repeat: true,
      picture: last.meta.picture,
    };
    last.meta = meta;
    const index = this.encode(last);
    this.lastRepeat = { index, at: now, out: false };
  }

  /** Gives `picture` to the encoder as the frame its `meta` describes; returns its input index. */
  private encode(picture: Picture): number {
    picture.writing++;
    const index = this.encoder.encode(picture.frame, () => {
      picture.writing--;
      this.recycleIfDone(picture);
    });
    this.encoding.set(index, picture.meta);
    return index;
  }

  private recycleIfDone(picture: Picture): void {
    // A processor may hand back the memory of the picture still in use (e.g. an unchanged frame): never recycle that.
    const current = this.lastPicture;
    if (picture !== current && picture.writing === 0 && picture.frame.data.buffer !== current?.frame.data.buffer) {
      this.decoder.recycle(picture.frame);
    }
  }

  /** Holds each encoded frame until its playout time (see PlayoutDelay), then packetizes it; a repeat goes at once. */
  private sendVideo(vp8: Buffer, index: number): void {
    const meta = this.encoding.get(index);
    for (const i of this.encoding.keys()) if (i <= index) this.encoding.delete(i);
    if (this.lastRepeat && index >= this.lastRepeat.index) this.lastRepeat.out = true;
    if (!meta || this.closed) return;
    const now = performance.now();
    meta.times.encoded = now;
    const at = meta.repeat ? now : this.playout.sendAt(meta.times.arrived, now);
    if (this.playout.retune(now)) this.audio?.setDelay(this.playout.delayMs);
    if (at - now < 1) this.sendPackets(vp8, meta);
    else setTimeout(() => this.sendPackets(vp8, meta), at - now);
  }

  private sendPackets(vp8: Buffer, meta: InFlight): void {
    if (this.closed) return;
    const { host, videoPort } = this.options.output;
    for (const packet of this.packetizer.packetize(vp8, meta.timestamp)) this.out.send(packet, videoPort, host);
    meta.times.sent = performance.now();
    if (isVp8Keyframe(vp8)) this.log.debug({ repeat: meta.repeat }, 'keyframe sent');
    // A repeat is no frame of the stream: the latency and rate figures are the stream's.
    if (meta.repeat) return;
    this.logOutputGap(meta);
    this.latencies.push(meta.times.sent - meta.times.arrived);
    this.stages.add(meta.times);
    this.sentThisSecond++;
    this.counters.framesOut++;
  }

  private logOutputGap(meta: InFlight): void {
    const last = this.lastSent;
    this.lastSent = { meta, dropped: this.counters.framesDropped };
    const t = meta.times;
    if (!last || t.sent! - last.meta.times.sent! < OUTPUT_GAP_MS) return;
    // Relative to the last frame sent: whether the input paused, or a stage held this frame.
    const since = (at?: number) => (at === undefined ? undefined : Math.round(at - last.meta.times.sent!));
    this.log.info(
      {
        gapMs: since(t.sent),
        arrivedAfterMs: since(t.arrived),
        decodedAfterMs: since(t.decoded),
        processMs: Math.round(t.processEnd! - t.processStart!),
        encodeMs: Math.round(t.encoded! - t.processEnd!),
        droppedBetween: this.counters.framesDropped - last.dropped,
      },
      'output gap',
    );
  }

  private reportStats(): void {
    this.onStats({
      fps: this.sentThisSecond,
      latencyP50: percentileOf(this.latencies, 0.5),
      latencyP95: percentileOf(this.latencies, 0.95),
      ...this.counters,
      audioDelayMs: this.playout.delayMs,
      audioDropped: this.audio?.dropped ?? 0,
      frameBuffers: this.decoder.framesAllocated,
      stages: this.stages.take(),
      captureJitterMs: this.captureSteps.take(),
    });
    this.latencies = [];
    this.sentThisSecond = 0;
  }

  private fail(error: Error): void {
    if (this.closed) return;
    this.log.error({ err: error }, 'media pipeline failed');
    this.onFailure(error);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // A start under way (the session released while it came up) finishes first: what it opens is closed below.
    await this.starting?.catch(() => undefined);
    clearInterval(this.statsTimer);
    clearTimeout(this.repeatTimer);
    for (const s of [this.videoIn, this.out]) s.close();
    this.keyframeRequests?.close();
    this.publisherKeyframes?.close();
    const [, , dropped] = await Promise.all([this.decoder.close(), this.encoder.close(), this.audio?.close()]);
    if (dropped) this.log.info({ dropped }, 'clip audio: packets dropped as too late');
  }
}
