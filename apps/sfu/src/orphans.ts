import { type Logger, type RedisPresence, sfuConnectionName } from '@tooncast/shared';
import type { PluginHandle } from './janus/index.ts';

/** How often a node looks for rooms and mountpoints of nodes that are gone, ms. */
const SWEEP_MS = 5000;

/** The description a node gives a session's room and mountpoint: the sweep finds their node by it. */
export const janusOwnerTag = (nodeId: string, sessionId: string): string => `tooncast ${nodeId} ${sessionId}`;
const TAG = /^tooncast (\S+) (\S+)$/;

interface JanusObject {
  kind: 'room' | 'mountpoint';
  id: number;
  node: string;
  session: string;
}

/**
 * Destroys the VideoRoom rooms and Streaming mountpoints of sfu nodes that are gone. A node that crashed ended none
 * of its sessions, and Janus keeps their rooms and mountpoints (with their RTP ports) for as long as it runs; the
 * node started in its place, or any other on the same Janus, clears them. A node is gone when none of its Redis
 * connections is open at two sweeps in a row (one may be reconnecting), as workers judge sfu nodes.
 */
export class OrphanSweep {
  private suspects = new Set<string>();
  private readonly timer: NodeJS.Timeout;
  /** A sweep still waiting on a slow Janus or Redis: the next one skips its turn. */
  private sweeping = false;

  constructor(
    private readonly nodeId: string,
    private readonly controls: { videoroom: PluginHandle; streaming: PluginHandle },
    private readonly presence: RedisPresence,
    private readonly log: Logger,
  ) {
    this.timer = setInterval(() => void this.sweep(), SWEEP_MS);
    void this.sweep();
  }

  private async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const suspects = new Set<string>();
      for (const object of await this.tagged()) {
        if (object.node === this.nodeId) continue;
        if ((await this.presence.connected(sfuConnectionName(object.node))) !== false) continue;
        const key = `${object.kind} ${object.id}`;
        if (!this.suspects.has(key)) suspects.add(key);
        else await this.destroy(object);
      }
      this.suspects = suspects;
    } catch (err) {
      // Janus going away is the node's end anyway (SfuNode.onJanusLost); anything else waits for the next sweep.
      this.log.warn({ err }, 'could not look for orphaned Janus rooms');
    } finally {
      this.sweeping = false;
    }
  }

  /** This deployment's rooms and mountpoints (the admin_key lists the private ones too). */
  private async tagged(): Promise<JanusObject[]> {
    const [rooms, mountpoints] = await Promise.all([
      this.controls.videoroom.request({ request: 'list' }),
      this.controls.streaming.request({ request: 'list' }),
    ]);
    const listed = (data: Record<string, unknown>) => (data.list ?? []) as Record<string, unknown>[];
    const objects = [
      ...listed(rooms.data).map((r) => ({ kind: 'room' as const, id: r.room, description: r.description })),
      ...listed(mountpoints.data).map((m) => ({ kind: 'mountpoint' as const, id: m.id, description: m.description })),
    ];
    return objects.flatMap(({ kind, id, description }) => {
      const tag = typeof description === 'string' ? TAG.exec(description) : null;
      return tag && typeof id === 'number' ? [{ kind, id, node: tag[1], session: tag[2] }] : [];
    });
  }

  private async destroy(object: JanusObject): Promise<void> {
    if (object.kind === 'room') await this.controls.videoroom.request({ request: 'destroy', room: object.id });
    else await this.controls.streaming.request({ request: 'destroy', id: object.id });
    this.log.info(object, 'destroyed the Janus room or mountpoint of a session whose sfu node is gone');
  }

  close(): void {
    clearInterval(this.timer);
  }
}
