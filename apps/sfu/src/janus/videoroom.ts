import { randomInt } from 'node:crypto';
import { type JanusConnection, JanusError, type Jsep, type PluginHandle } from './connection.ts';

/** VideoRoom's error code for a room whose publishers are all taken. */
const ROOM_FULL = 432;
/** How long a replaced publisher may take to leave the room, ms. */
const PUBLISHER_LEAVE_MS = 3000;

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
  /** The running forwarders' stream ids, with the feed they copy (a replaced publisher takes its own along). */
  private forwarders?: { feed: number; streamIds: number[] };

  private constructor(
    private readonly janus: JanusConnection,
    private readonly control: PluginHandle,
    readonly id: number,
  ) {}

  /** `description`: whose room it is (see janusOwnerTag). */
  static async create(janus: JanusConnection, control: PluginHandle, description: string): Promise<VideoRoom> {
    const id = randomInt(1, 2 ** 47);
    await control.request({
      request: 'create',
      room: id,
      description,
      publishers: 1,
      is_private: true,
      permanent: false,
      videocodec: 'vp8',
      audiocodec: 'opus',
      bitrate: 2_000_000,
    });
    return new VideoRoom(janus, control, id);
  }

  /**
   * Joins the owner's PeerConnection as the room's publisher; returns Janus's SDP answer. The publisher it replaces
   * may not have left yet: Janus lets it go only once it has torn its PeerConnection down, after the detach was
   * acknowledged (one CI run refused a renegotiating owner with "Maximum number of publishers (1) already reached"),
   * so a full room is tried again for a while, each time on a new handle: Janus set up ICE for the refused offer on
   * the old one and refuses the same offer there again ("Error setting ICE locally").
   */
  async publish(offer: Jsep, onHangup: (reason: string) => void): Promise<Jsep> {
    if (this.publisher) throw new Error('this session already publishes');
    const until = Date.now() + PUBLISHER_LEAVE_MS;
    for (;;) {
      const publisher = await this.janus.attach('janus.plugin.videoroom');
      this.publisher = publisher;
      // Only the current publisher's hangup counts: a replaced one (the owner's page reloaded) may hang up late.
      publisher.onHangup((reason) => this.publisher === publisher && onHangup(reason));
      try {
        const { data, jsep } = await publisher.request(
          {
            request: 'joinandconfigure',
            ptype: 'publisher',
            room: this.id,
            display: 'owner',
            audio: true,
            video: true,
          },
          offer,
        );
        if (!jsep || typeof data.id !== 'number') throw new Error('janus returned no answer to the publish offer');
        this.feed = data.id;
        return jsep;
      } catch (err) {
        this.publisher = undefined;
        await publisher.close();
        if (!(err instanceof JanusError && err.code === ROOM_FULL) || Date.now() > until) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
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
   * Plain-RTP copy of the publisher's audio and video to `target`, in place of any earlier copy of this publisher
   * (the session moved to another worker). The legacy (non-`streams`) form is used on purpose: it makes Janus
   * request a keyframe from the publisher as soon as the forwarder starts.
   */
  async forward(target: RtpTarget): Promise<void> {
    const feed = this.feed;
    if (feed === undefined) throw new Error('nothing is published yet');
    await this.stopForwarding();
    const { data } = await this.control.request({
      request: 'rtp_forward',
      room: this.id,
      publisher_id: feed,
      host: target.host,
      video_port: target.videoPort,
      video_rtcp_port: target.videoRtcpPort,
      audio_port: target.audioPort,
    });
    // The legacy form answers with the stream ids in `rtp_stream`.
    const stream = (data.rtp_stream ?? {}) as Record<string, unknown>;
    const streamIds = [stream.audio_stream_id, stream.video_stream_id].filter((id) => typeof id === 'number');
    this.forwarders = { feed, streamIds: streamIds as number[] };
  }

  /** Stops copying the publisher's RTP (its worker is gone: the port may soon belong to someone else). */
  async stopForwarding(): Promise<void> {
    const running = this.forwarders;
    this.forwarders = undefined;
    if (!running || running.feed !== this.feed) return;
    for (const streamId of running.streamIds) {
      await this.control.request({
        request: 'stop_rtp_forward',
        room: this.id,
        publisher_id: running.feed,
        stream_id: streamId,
      });
    }
  }

  async destroy(): Promise<void> {
    await this.publisher?.close();
    await this.control.request({ request: 'destroy', room: this.id }).catch(() => undefined);
  }
}
