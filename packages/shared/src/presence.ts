import type { Logger } from './logger.ts';

/** How long one client listing answers for: every session a process watches asks within one check. */
const LISTING_MS = 200;

/** The one Redis call presence needs (ioredis' `client('LIST')`). */
export interface ClientLister {
  client(subcommand: 'LIST'): Promise<unknown>;
}

/**
 * Which processes hold a named Redis connection now (see workerConnectionName, sfuConnectionName). A crashed
 * process's connections close with it, seconds before any heartbeat key of it expires; a stalled one's stay open.
 * One CLIENT LIST serves every question asked within LISTING_MS.
 */
export class RedisPresence {
  private listing?: { at: number; names: Promise<Set<string> | undefined> };
  private warned = false;

  constructor(
    private readonly redis: ClientLister,
    private readonly log: Logger,
  ) {}

  /** Whether a connection named `name` is open; undefined when Redis does not say (then a heartbeat decides). */
  async connected(name: string): Promise<boolean | undefined> {
    if (!this.listing || Date.now() - this.listing.at > LISTING_MS)
      this.listing = { at: Date.now(), names: this.list() };
    return (await this.listing.names)?.has(name);
  }

  private async list(): Promise<Set<string> | undefined> {
    try {
      const clients = (await this.redis.client('LIST')) as string;
      return new Set(clients.split('\n').flatMap((line) => /(?:^| )name=(\S+)/.exec(line)?.[1] ?? []));
    } catch (err) {
      // A Redis that refuses CLIENT LIST (an ACL, a managed service): crashes are noticed by heartbeats alone.
      if (!this.warned) this.log.warn({ err }, 'cannot list Redis clients; a crash is noticed by its heartbeat');
      this.warned = true;
      return undefined;
    }
  }
}
