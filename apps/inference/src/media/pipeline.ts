import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import type { Logger, RgbImage } from '@tooncast/shared';
import type { FrameProcessor } from '../frame-processor.ts';
import { AudioRelay } from './audio-relay.ts';
import { Vp8Decoder, Vp8Encoder } from './codec.ts';
import { parseRtp } from './rtp.ts';
import { Vp8Depacketizer, Vp8Packetizer, vp8KeyframeSize } from './vp8.ts';

export interface PipelineOptions {
  width: number;
  height: number;
  keyframeInterval: number;
  /** Where Janus's streaming mountpoint listens for the personalized stream. */
  output: { host: string; videoPort: number; audioPort: number; videoPt: number; audioPt: number };
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
  /** Delay currently applied to the clip audio so it stays in sync with the detoured video, ms. */
  audioDelayMs: number;
}

/** The audio delay changes only when the median video latency moved by more than this. */
const AUDIO_DELAY_STEP_MS = 15;
/** How often (seconds) the audio delay may change. */
const AUDIO_RETUNE_SECONDS = 5;

interface InFlight {
  timestamp: number;
  arrivedAt: number;
}

/**
 * One session's media path inside the worker:
 * RTP (from the VideoRoom forwarder) → VP8 frames → ffmpeg decode → FrameProcessor → ffmpeg encode
 * → VP8 RTP with the source timestamps → Janus streaming mountpoint.
 * The clip audio is relayed to the mountpoint delayed by the measured video latency, which keeps lips in sync.
 */
export class LivePipeline {
  private readonly videoIn = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  private audio?: AudioRelay;
  private readonly out = dgram.createSocket('udp4');
  private readonly depacketizer = new Vp8Depacketizer();
  private readonly packetizer: Vp8Packetizer;
  private decoder?: Vp8Decoder;
  private decoderSize = { width: 0, height: 0 };
  private readonly encoder: Vp8Encoder;
  private decodeQueue: InFlight[] = [];
  /** Frames inside the encoder by input index: the encoder may drop a frame, so order alone cannot pair them. */
  private readonly encoding = new Map<number, InFlight>();
  private busy = false;
  private firstTimestamp?: number;
  private processedFrames = 0;
  private waiting?: { frame: RgbImage; meta: InFlight };
  private latencies: number[] = [];
  private recentLatencies: number[] = [];
  private statsTicks = 0;
  private sentThisSecond = 0;
  private audioDelayMs = 0;
  private closed = false;
  private statsTimer?: NodeJS.Timeout;
  private counters = { framesIn: 0, framesOut: 0, framesDropped: 0 };

  constructor(
    private readonly options: PipelineOptions,
    private readonly processor: FrameProcessor,
    private readonly log: Logger,
    private readonly onStats: (stats: PipelineStats) => void,
    private readonly onFailure: (error: Error) => void,
  ) {
    this.packetizer = new Vp8Packetizer(randomInt(1, 2 ** 31), options.output.videoPt);
    this.encoder = new Vp8Encoder(
      { width: options.width, height: options.height, keyframeInterval: options.keyframeInterval, bitrateKbps: 1500 },
      (vp8, index) => this.sendVideo(vp8, index),
      log,
      (e) => this.fail(e),
    );
  }

  /** Binds the two RTP inputs on `host` (ephemeral ports) and returns them for the VideoRoom forwarder. */
  async listen(host: string): Promise<{ videoPort: number; audioPort: number }> {
    const { output } = this.options;
    const [videoPort, audio] = await Promise.all([
      new Promise<number>((r) => this.videoIn.bind(0, host, () => r(this.videoIn.address().port))),
      AudioRelay.start(host, { host: output.host, port: output.audioPort }),
    ]);
    this.audio = audio;
    this.videoIn.on('message', (msg) => this.onVideoPacket(msg));
    this.statsTimer = setInterval(() => this.reportStats(), 1000);
    return { videoPort, audioPort: audio.port };
  }

  private onVideoPacket(msg: Buffer): void {
    const packet = parseRtp(msg);
    if (!packet) return;
    const frame = this.depacketizer.push(packet, performance.now());
    if (!frame) return;
    if (!this.decoder) {
      const size = vp8KeyframeSize(frame.data);
      if (!size) return;
      this.decoder = new Vp8Decoder(
        this.options.width,
        this.options.height,
        (rgb) => this.onDecoded(rgb),
        this.log,
        (e) => this.fail(e),
      );
      this.log.info({ publisherSize: size }, 'first keyframe from publisher');
      this.decoderSize = size;
    }
    this.counters.framesIn++;
    this.decodeQueue.push({ timestamp: frame.timestamp, arrivedAt: frame.arrivedAt });
    this.decoder.decode(frame.data, frame.timestamp, this.decoderSize);
  }

  private onDecoded(frame: RgbImage): void {
    const meta = this.decodeQueue.shift();
    if (!meta) return;
    if (this.busy) {
      // The processor is behind: keep only the newest frame so latency cannot grow without bound.
      if (this.waiting) this.counters.framesDropped++;
      this.waiting = { frame: { ...frame, data: Uint8Array.from(frame.data) }, meta };
      return;
    }
    void this.runProcessor(frame, meta);
  }

  private async runProcessor(frame: RgbImage, meta: InFlight): Promise<void> {
    this.busy = true;
    try {
      this.firstTimestamp ??= meta.timestamp;
      const timeSec = ((meta.timestamp - this.firstTimestamp) >>> 0) / 90_000;
      const result = await this.processor.process(frame, { index: this.processedFrames++, timeSec });
      if (this.closed) return;
      this.encoding.set(this.encoder.encode(result), meta);
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

  private sendVideo(vp8: Buffer, index: number): void {
    const meta = this.encoding.get(index);
    for (const i of this.encoding.keys()) if (i <= index) this.encoding.delete(i);
    if (!meta || this.closed) return;
    const { host, videoPort } = this.options.output;
    for (const packet of this.packetizer.packetize(vp8, meta.timestamp)) this.out.send(packet, videoPort, host);
    const latency = performance.now() - meta.arrivedAt;
    this.latencies.push(latency);
    this.sentThisSecond++;
    this.counters.framesOut++;
    this.recentLatencies.push(latency);
  }

  /**
   * The audio delay follows the median video detour but moves only in steps, rarely: every change re-times the
   * audio packets, and the browser's audio jitter buffer (which the video is synchronized to) grows with any jitter.
   */
  private retuneAudioDelay(): void {
    if (this.recentLatencies.length < 12) return;
    const sorted = this.recentLatencies.sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    this.recentLatencies = [];
    if (Math.abs(median - this.audioDelayMs) <= AUDIO_DELAY_STEP_MS) return;
    this.audioDelayMs = median;
    this.audio?.setDelay(median);
  }

  private reportStats(): void {
    if (++this.statsTicks % AUDIO_RETUNE_SECONDS === 1) this.retuneAudioDelay();
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const pick = (q: number) =>
      sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : 0;
    this.onStats({
      fps: this.sentThisSecond,
      latencyP50: pick(0.5),
      latencyP95: pick(0.95),
      ...this.counters,
      audioDelayMs: this.audioDelayMs,
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
    clearInterval(this.statsTimer);
    for (const s of [this.videoIn, this.out]) s.close();
    await Promise.all([this.decoder?.close(), this.encoder.close(), this.audio?.close()]);
  }
}
