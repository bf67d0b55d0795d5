import { type Logger, workerConnectionName } from '@tooncast/shared';
import type { Redis } from 'ioredis';

/** How long one client listing answers for: every session this node watches asks within one check. */
const LISTING_MS = 200;

/**
 * Which workers hold a Redis connection now. A crashed worker's connections close with its process, seconds before
 * its heartbeat key expires; a stalled worker's stay open, so there the heartbeat decides. One CLIENT LIST serves all
 * the sessions this node watches at a check.
 */
export class WorkerPresence {
  private listing?: { at: number; names: Promise<Set<string> | undefined> };
  private warned = false;

  constructor(
    private readonly redis: Redis,
    private readonly log: Logger,
  ) {}

  /** Whether a connection of the worker is open; undefined when Redis does not say (the heartbeat decides then). */
  async connected(workerId: string): Promise<boolean | undefined> {
    if (!this.listing || Date.now() - this.listing.at > LISTING_MS)
      this.listing = { at: Date.now(), names: this.list() };
    return (await this.listing.names)?.has(workerConnectionName(workerId));
  }

  private async list(): Promise<Set<string> | undefined> {
    try {
      const clients = (await this.redis.client('LIST')) as string;
      return new Set(clients.split('\n').flatMap((line) => /(?:^| )name=(\S+)/.exec(line)?.[1] ?? []));
    } catch (err) {
      // A Redis that refuses CLIENT LIST (an ACL, a managed service): crashes are noticed by the heartbeat alone.
      if (!this.warned)
        this.log.warn({ err }, 'cannot list Redis clients; a crashed worker is noticed by its heartbeat');
      this.warned = true;
      return undefined;
    }
  }
}
