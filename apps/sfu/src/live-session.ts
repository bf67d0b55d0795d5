import type { Logger } from '@tooncast/shared';
import type { JanusConnection, PluginHandle } from './janus/index.ts';
import { type RtpTarget, StreamingMountpoint, VideoRoom } from './janus/index.ts';

/**
 * The Janus side of one session, held by the sfu node the owner is connected to:
 * the VideoRoom the owner publishes into and the mountpoint the worker feeds.
 */
export class LiveSession {
  room?: VideoRoom;
  mountpoint?: StreamingMountpoint;
  workerTimer?: NodeJS.Timeout;
  /** Runs while the owner is away (connection or published stream dropped); ends the session unless they resume. */
  graceTimer?: NodeJS.Timeout;
  /** Where the claimed worker listens: a republished stream (after a reload) is forwarded there again. */
  workerTarget?: RtpTarget;
  /**
   * The worker that claimed the session, and the check that it lives (its heartbeat and its Redis connections): a lost
   * worker's session moves on.
   */
  workerId?: string;
  workerWatch?: NodeJS.Timeout;
  /** When its worker reported the session's media path failed (epoch ms), within the last minute. */
  failures: number[] = [];
  /** Renews the TTL of the session's pictures while it runs. */
  imagesTimer?: NodeJS.Timeout;
  /** The first publish into the room: the worker may be ready before it is done, and is forwarded after it. */
  published?: Promise<unknown>;
  /**
   * The first publish's setup while it runs (room and mountpoint, records, queue): a second publish is refused
   * meanwhile, and an end releases what it made once it is done.
   */
  starting?: Promise<void>;
  ended = false;
  /** The tail of the worker events (see inOrder). */
  private workerEvents: Promise<void> = Promise.resolve();

  constructor(
    readonly id: string,
    public ownerSocketId: string,
    private readonly log: Logger,
  ) {}

  /** `description`: whose room and mountpoint they are (see janusOwnerTag). */
  async createMedia(
    janus: JanusConnection,
    controls: { videoroom: PluginHandle; streaming: PluginHandle },
    description: string,
  ): Promise<void> {
    // Both at once; when one fails, the other is kept (once created) for releaseMedia.
    const created = await Promise.allSettled([
      VideoRoom.create(janus, controls.videoroom, description).then((r) => (this.room = r)),
      StreamingMountpoint.create(controls.streaming, description).then((m) => (this.mountpoint = m)),
    ]);
    const failed = created.find((c) => c.status === 'rejected');
    if (failed) throw failed.reason;
    this.log.info({ session: this.id, room: this.room?.id, mountpoint: this.mountpoint?.id }, 'session media created');
  }

  /**
   * Runs the session's worker events (its messages, the watch's verdicts) one at a time, in order: each awaits
   * Janus or Redis, and a loss handled in the middle of a ready would forward to a worker already gone.
   */
  inOrder(event: () => Promise<void>): Promise<void> {
    const done = this.workerEvents.then(event);
    this.workerEvents = done.catch(() => undefined);
    return done;
  }

  /** Destroys the room and mountpoint (after a failed creation the session may try again). */
  async releaseMedia(): Promise<void> {
    clearTimeout(this.workerTimer);
    clearTimeout(this.graceTimer);
    clearInterval(this.workerWatch);
    clearInterval(this.imagesTimer);
    await Promise.all([this.room?.destroy(), this.mountpoint?.destroy()]);
    this.room = this.mountpoint = undefined;
  }
}
