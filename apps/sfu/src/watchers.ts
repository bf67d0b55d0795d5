import type { Logger } from '@tooncast/shared';
import { type JanusConnection, type Jsep, StreamingViewer } from './janus/index.ts';

export interface Watch {
  viewer: StreamingViewer;
  offer: Jsep;
}

interface Mountpoint {
  /** Watchers this node handed out that are still open. */
  watching: number;
  /** The next watcher, made ahead; undefined once taken or when making it failed. */
  spare?: Promise<Watch | undefined>;
}

/**
 * The watchers this sfu node hands out, with one more made ahead for each mountpoint it serves. Making one (a
 * handle, Janus's ICE agent and candidates, its offer) is slow on a loaded machine: beside the engine a late viewer
 * waited 350–400 ms from signaling to the offer (medians of 5 joins), 50–150 ms with a spare. A viewer who joins
 * takes the spare's offer at once, and the next spare is made behind it. A mountpoint's spare lives as long as a
 * watcher of it this node handed out (Janus hangs up the started watchers of a destroyed mountpoint; the last one
 * closing takes the spare with it), or until its session ends here.
 */
export class MountpointWatchers {
  private readonly mountpoints = new Map<number, Mountpoint>();

  /** `maxPlayoutDelayMs`: see StreamingViewer.watch. */
  constructor(
    private readonly janus: JanusConnection,
    private readonly maxPlayoutDelayMs: number | undefined,
    private readonly log: Logger,
  ) {}

  /** A watcher of `mountpointId`: the spare when there is a good one, else a new one. The caller sets its onHangup. */
  async watch(mountpointId: number): Promise<Watch> {
    const mountpoint = this.mountpoints.get(mountpointId) ?? { watching: 0 };
    this.mountpoints.set(mountpointId, mountpoint);
    const spare = mountpoint.spare;
    mountpoint.spare = undefined;
    mountpoint.watching++;
    const askedAt = performance.now();
    let watch: Watch;
    try {
      const ready = await spare;
      const fromSpare = ready !== undefined && !ready.viewer.closed;
      watch = fromSpare ? ready : await StreamingViewer.watch(this.janus, mountpointId, this.maxPlayoutDelayMs);
      const ms = Math.round(performance.now() - askedAt);
      this.log.info({ mountpoint: mountpointId, fromSpare, ms }, 'watcher handed out');
    } catch (err) {
      this.released(mountpointId, mountpoint);
      throw err;
    }
    watch.viewer.onClose(() => this.released(mountpointId, mountpoint));
    // Not for a mountpoint that ended meanwhile.
    if (this.mountpoints.get(mountpointId) === mountpoint)
      mountpoint.spare ??= this.makeSpare(mountpointId, mountpoint);
    return watch;
  }

  /**
   * The mountpoint is gone: its spare closes now. Janus hangs up the watchers whose media started, which then close
   * and release it, but not a spare that never started.
   */
  ended(mountpointId: number): void {
    const mountpoint = this.mountpoints.get(mountpointId);
    this.mountpoints.delete(mountpointId);
    if (mountpoint) void closeSpare(mountpoint);
  }

  /** Closes every spare (the node shuts down; handed-out watchers close with their sockets). */
  async close(): Promise<void> {
    const mountpoints = [...this.mountpoints.values()];
    this.mountpoints.clear();
    await Promise.all(mountpoints.map(closeSpare));
  }

  private makeSpare(mountpointId: number, mountpoint: Mountpoint): Promise<Watch | undefined> {
    const spare = StreamingViewer.watch(this.janus, mountpointId, this.maxPlayoutDelayMs).then(
      (watch) => {
        watch.viewer.onHangup(() => {
          if (mountpoint.spare === spare) mountpoint.spare = undefined;
          void watch.viewer.close();
        });
        return watch;
      },
      (err: Error) => {
        // The mountpoint may have gone meanwhile; the next watcher is then made when asked for.
        this.log.debug({ mountpoint: mountpointId, err: err.message }, 'no spare watcher');
        if (mountpoint.spare === spare) mountpoint.spare = undefined;
        return undefined;
      },
    );
    return spare;
  }

  private released(mountpointId: number, mountpoint: Mountpoint): void {
    if (--mountpoint.watching > 0) return;
    if (this.mountpoints.get(mountpointId) === mountpoint) this.mountpoints.delete(mountpointId);
    void closeSpare(mountpoint);
  }
}

async function closeSpare(mountpoint: Mountpoint): Promise<void> {
  const spare = mountpoint.spare;
  mountpoint.spare = undefined;
  await (await spare)?.viewer.close();
}
