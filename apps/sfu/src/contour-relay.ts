import { ContourFrame, type Logger, RedisKeys } from '@tooncast/shared';
import type { Redis } from 'ioredis';
import type { Server } from 'socket.io';

/**
 * The owner's contour-figure debug view: relays a session's contour frames from the worker's Redis channel to the
 * sockets of this node that switched the view on. The channel is subscribed only while someone here watches.
 */
export class ContourRelay {
  /** Session id → ids of this node's sockets watching its contour figures. */
  private readonly watchers = new Map<string, Set<string>>();
  /** Redis contour channel → session id. */
  private readonly channels = new Map<string, string>();

  constructor(
    private readonly subscriber: Redis,
    private readonly io: Server,
    private readonly log: Logger,
  ) {
    subscriber.on('message', (channel: string, text: string) => {
      const sockets = this.watchers.get(this.channels.get(channel) ?? '');
      if (!sockets) return;
      const parsed = ContourFrame.safeParse(JSON.parse(text));
      if (!parsed.success) {
        this.log.warn({ channel, issues: parsed.error.issues.slice(0, 3) }, 'malformed contour frame dropped');
        return;
      }
      // Volatile: a page that cannot keep up loses figures rather than receiving them ever later.
      for (const id of sockets) this.io.sockets.sockets.get(id)?.volatile.emit('contour', parsed.data);
    });
  }

  /** Adds a watcher; true when it is the session's first on this node. */
  async watch(sessionId: string, socketId: string): Promise<boolean> {
    const sockets = this.watchers.get(sessionId);
    if (sockets) {
      sockets.add(socketId);
      return false;
    }
    this.watchers.set(sessionId, new Set([socketId]));
    this.channels.set(RedisKeys.contour(sessionId), sessionId);
    await this.subscriber.subscribe(RedisKeys.contour(sessionId));
    return true;
  }

  /** Removes a watcher; true when the session has no watcher left on this node. */
  async unwatch(sessionId: string, socketId: string): Promise<boolean> {
    const sockets = this.watchers.get(sessionId);
    if (!sockets?.delete(socketId) || sockets.size) return false;
    this.watchers.delete(sessionId);
    this.channels.delete(RedisKeys.contour(sessionId));
    await this.subscriber.unsubscribe(RedisKeys.contour(sessionId));
    return true;
  }

  watching(sessionId: string): boolean {
    return this.watchers.has(sessionId);
  }

  /** Sessions a socket watches (to unwatch them when it leaves). */
  watchedBy(socketId: string): string[] {
    return [...this.watchers].filter(([, sockets]) => sockets.has(socketId)).map(([id]) => id);
  }
}
