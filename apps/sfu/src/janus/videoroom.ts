import { randomInt } from 'node:crypto';
import type { JanusConnection, Jsep, PluginHandle } from './connection.ts';

export interface RtpTarget {
  host: string;
  videoPort: number;
  audioPort: number;
  /** The worker's RTCP port: Janus relays the keyframe requests it sends there to the publisher. */
  videoRtcpPort: number;
}

/**
 * One VideoRoom room per live session: the owner publishes the cartoon clip into it and the room forwards
 * the publisher's RTP to the assigned worker. The publisher sends a keyframe only when asked: when the forwarder
 * starts, and when the worker asks through the forwarder's RTCP port (a lost packet, a decoder backlog); periodic
 * ones (the room's `fir_freq`, left unset: every second before) reached the worker late and made every watcher buffer more video.
 */
export class VideoRoom {
  private publisher?: PluginHandle;
  private feed?: number;

  private constructor(
    private readonly janus: JanusConnection,
    private readonly control: PluginHandle,
    readonly id: number,
  ) {}

  static async create(janus: JanusConnection, control: PluginHandle): Promise<VideoRoom> {
    const id = randomInt(1, 2 ** 47);
    await control.request({
      request: 'create',
      room: id,
      publishers: 1,
      is_private: true,
      permanent: false,
      videocodec: 'vp8',
      audiocodec: 'opus',
      bitrate: 2_000_000,
    });
    return new VideoRoom(janus, control, id);
  }

  /** Joins the owner's PeerConnection as the room's publisher; returns Janus's SDP answer. */
  async publish(offer: Jsep, onHangup: (reason: string) => void): Promise<Jsep> {
    if (this.publisher) throw new Error('this session already publishes');
    const publisher = await this.janus.attach('janus.plugin.videoroom');
    this.publisher = publisher;
    // Only the current publisher's hangup counts: a replaced one (the owner's page reloaded) may hang up late.
    publisher.onHangup((reason) => this.publisher === publisher && onHangup(reason));
    const { data, jsep } = await publisher.request(
      { request: 'joinandconfigure', ptype: 'publisher', room: this.id, display: 'owner', audio: true, video: true },
      offer,
    );
    if (!jsep || typeof data.id !== 'number') throw new Error('janus returned no answer to the publish offer');
    this.feed = data.id;
    return jsep;
  }

  /** The publisher left (the owner's page reloaded): the room takes a new one, forwarded again. */
  async unpublish(): Promise<void> {
    const publisher = this.publisher;
    this.publisher = this.feed = undefined;
    await publisher?.close().catch(() => undefined);
  }

  get publishing(): boolean {
    return this.feed !== undefined;
  }

  /**
   * Plain-RTP copy of the publisher's audio and video to `target`. The legacy (non-`streams`) form is used
   * on purpose: it makes Janus request a keyframe from the publisher as soon as the forwarder starts.
   */
  async forward(target: RtpTarget): Promise<void> {
    if (this.feed === undefined) throw new Error('nothing is published yet');
    await this.control.request({
      request: 'rtp_forward',
      room: this.id,
      publisher_id: this.feed,
      host: target.host,
      video_port: target.videoPort,
      video_rtcp_port: target.videoRtcpPort,
      audio_port: target.audioPort,
    });
  }

  async destroy(): Promise<void> {
    await this.publisher?.close();
    await this.control.request({ request: 'destroy', room: this.id }).catch(() => undefined);
  }
}
