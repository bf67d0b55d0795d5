import { randomInt } from 'node:crypto';
import type { JanusConnection, Jsep, PluginHandle } from './connection.ts';

export const VIDEO_PT = 96;
export const AUDIO_PT = 111;

/**
 * A Streaming-plugin RTP mountpoint that the worker feeds with the personalized video (and the delayed clip
 * audio); the owner and every viewer watch it. Janus picks the UDP ports from its RTP range; the video's RTCP port
 * carries keyframe requests back to the worker (a PLI when a watcher starts, and the watchers' own).
 */
export class StreamingMountpoint {
  private constructor(
    private readonly control: PluginHandle,
    readonly id: number,
    readonly videoPort: number,
    readonly audioPort: number,
    readonly videoRtcpPort: number,
  ) {}

  /** `description`: whose mountpoint it is (see janusOwnerTag). */
  static async create(control: PluginHandle, description: string): Promise<StreamingMountpoint> {
    const id = randomInt(1, 2 ** 47);
    const { data } = await control.request({
      request: 'create',
      type: 'rtp',
      id,
      description,
      is_private: true,
      permanent: false,
      // Lets each watcher's video carry the playout-delay extension (see StreamingViewer.start).
      playoutdelay_ext: true,
      media: [
        { type: 'video', mid: 'v', port: 0, rtcpport: 0, pt: VIDEO_PT, codec: 'vp8' },
        { type: 'audio', mid: 'a', port: 0, pt: AUDIO_PT, codec: 'opus', fmtp: 'stereo=1' },
      ],
    });
    const streams = (data.stream as { ports?: { type: string; port: number; rtcp_port?: number }[] })?.ports ?? [];
    const video = streams.find((p) => p.type === 'video');
    const audio = streams.find((p) => p.type === 'audio');
    if (!video?.port || !video.rtcp_port || !audio?.port) {
      throw new Error(`janus did not report mountpoint ports: ${JSON.stringify(data)}`);
    }
    return new StreamingMountpoint(control, id, video.port, audio.port, video.rtcp_port);
  }

  async destroy(): Promise<void> {
    await this.control.request({ request: 'destroy', id: this.id }).catch(() => undefined);
  }
}

/** One watcher (owner or viewer) of a mountpoint: Janus offers, the browser answers. */
export class StreamingViewer {
  private hangupListener?: (reason: string) => void;
  private readonly closeListeners: (() => void)[] = [];
  private closedFlag = false;

  private constructor(private readonly handle: PluginHandle) {
    handle.onHangup((reason) => this.hangupListener?.(reason));
  }

  /**
   * Attaches a handle and asks Janus to offer the mountpoint's stream (Janus gathers its ICE candidates first).
   * `maxPlayoutDelayMs` caps the browser's video jitter buffer (undefined: the browser chooses); set here, before
   * the browser answers, so that starting waits for nothing else.
   */
  static async watch(
    janus: JanusConnection,
    mountpointId: number,
    maxPlayoutDelayMs?: number,
  ): Promise<{ viewer: StreamingViewer; offer: Jsep }> {
    const handle = await janus.attach('janus.plugin.streaming');
    const viewer = new StreamingViewer(handle);
    try {
      const { jsep } = await handle.request({ request: 'watch', id: mountpointId });
      if (!jsep) throw new Error('janus returned no offer for the stream');
      if (maxPlayoutDelayMs !== undefined) await viewer.capPlayoutDelay(maxPlayoutDelayMs);
      return { viewer, offer: jsep };
    } catch (err) {
      await viewer.close();
      throw err;
    }
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Who hears of a hangup of this watcher's PeerConnection (the last one set: a spare changes hands). */
  onHangup(listener: (reason: string) => void): void {
    this.hangupListener = listener;
  }

  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  async start(answer: Jsep): Promise<void> {
    await this.handle.request({ request: 'start' }, answer);
  }

  private async capPlayoutDelay(maxPlayoutDelayMs: number): Promise<void> {
    // The extension counts in 10 ms steps. Min 0 switched Chrome to its low-latency renderer (each frame shown as
    // soon as it is decoded, the jitter estimate unused) whenever A/V sync did not raise the delay: the watcher's
    // jitter buffer stayed at 1 ms and every late arrival showed as a freeze (a viewer: 3 in 120 s, pass-through).
    // With 10 ms Chrome buffers for the jitter it measures, up to the cap.
    await this.handle.request({
      request: 'configure',
      mid: 'v',
      min_delay: 1,
      max_delay: Math.ceil(maxPlayoutDelayMs / 10),
    });
  }

  async close(): Promise<void> {
    if (this.closedFlag) return;
    this.closedFlag = true;
    for (const listener of this.closeListeners) listener();
    await this.handle.close();
  }
}
