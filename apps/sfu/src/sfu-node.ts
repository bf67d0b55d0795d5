import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { type Config, type Logger, RedisPresence, sfuConnectionName } from '@tooncast/shared';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { ContourRelay } from './contour-relay.ts';
import { JanusConnection } from './janus/index.ts';
import { acceptAnySelfieFace, type SelfieFaceCheck } from './selfie.ts';
import { SelfieCheckClient } from './selfie-check.ts';
import { SignalingServer } from './signaling.ts';
import { SessionStore } from './store.ts';
import { SessionTokens } from './tokens.ts';

/** Largest socket.io message accepted at all; per-request limits (selfie size, SDP size) give clear errors below it. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export interface SfuNodeOptions {
  redisUrl: string;
  janusUrl: string;
  port: number;
  host?: string;
  live: Config['live'];
  faceCheck?: SelfieFaceCheck;
}

/** One apps/sfu node: socket.io signaling (Redis adapter, so nodes can be added), one Janus connection. */
export class SfuNode {
  private constructor(
    private readonly io: Server,
    private readonly signaling: SignalingServer,
    private readonly janus: JanusConnection,
    private readonly redis: Redis[],
    private readonly log: Logger,
    readonly port: number,
  ) {}

  static async start(o: SfuNodeOptions, log: Logger): Promise<SfuNode> {
    const nodeId = randomUUID();
    // The duplicates carry the name too: any of them open says the node lives.
    const redis = new Redis(o.redisUrl, { lazyConnect: true, connectionName: sfuConnectionName(nodeId) });
    await redis.connect();
    const subscriber = redis.duplicate();
    const adapterPub = redis.duplicate();
    const adapterSub = redis.duplicate();
    /** Pub/sub for the side channels: contour figures and selfie-check replies. */
    const sideChannels = redis.duplicate();
    const store = new SessionStore(redis, subscriber, o.live.tokenTtlSeconds);
    const tokens = new SessionTokens(o.live.tokenSecret ?? (await store.sharedTokenSecret()), o.live.tokenTtlSeconds);
    const janus = await JanusConnection.open(o.janusUrl, log);
    const controls = {
      videoroom: await janus.attach('janus.plugin.videoroom'),
      streaming: await janus.attach('janus.plugin.streaming'),
    };
    const server = http.createServer();
    const io = new Server(server, {
      maxHttpBufferSize: MAX_MESSAGE_BYTES,
      cors: { origin: true },
      adapter: createAdapter(adapterPub, adapterSub),
    });
    const signaling = new SignalingServer({
      nodeId,
      io,
      store,
      presence: new RedisPresence(redis, log),
      tokens,
      janus,
      controls,
      live: o.live,
      faceCheck: o.faceCheck ?? acceptAnySelfieFace,
      selfieChecks: await SelfieCheckClient.open(redis, sideChannels),
      contours: new ContourRelay(sideChannels, io, log),
      log,
    });
    await new Promise<void>((resolve) => server.listen(o.port, o.host ?? '0.0.0.0', resolve));
    const port = (server.address() as { port: number }).port;
    log.info({ port }, 'sfu signaling listening');
    return new SfuNode(io, signaling, janus, [redis, subscriber, adapterPub, adapterSub, sideChannels], log, port);
  }

  /** Janus went away (it died or restarted): this node's sessions cannot go on, and it has no Janus session left. */
  onJanusLost(listener: () => void): void {
    this.janus.onClosed(listener);
  }

  async stop(): Promise<void> {
    await this.signaling.close();
    await new Promise((r) => this.io.close(r));
    await this.janus.close();
    for (const r of this.redis) r.disconnect();
    this.log.info('sfu stopped');
  }
}
