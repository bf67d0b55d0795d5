import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { type Config, type Logger, RedisPresence, type ServiceError, sfuConnectionName } from '@tooncast/shared';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { ContourRelay } from './contour-relay.ts';
import { JanusConnection } from './janus/index.ts';
import { OrphanSweep } from './orphans.ts';
import { acceptAnySelfieFace, type SelfieFaceCheck } from './selfie.ts';
import { SelfieCheckClient } from './selfie-check.ts';
import { SignalingServer } from './signaling.ts';
import { SessionStore } from './store.ts';
import { SessionTokens } from './tokens.ts';

/** Which run of a Redis server this is: it changes when Redis restarts or a replica takes over. */
async function redisRunId(redis: Redis): Promise<string> {
  return /run_id:(\w+)/.exec(await redis.info('server'))?.[1] ?? '';
}

/** How long the health check waits for Redis. */
const HEALTH_TIMEOUT_MS = 2000;
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
    private readonly sweep: OrphanSweep,
    private readonly janus: JanusConnection,
    private readonly redis: Redis[],
    private readonly log: Logger,
    readonly port: number,
    private readonly redisRunId: string,
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
      videoroom: await janus.attach('janus.plugin.videoroom', o.live.janusAdminKey),
      streaming: await janus.attach('janus.plugin.streaming', o.live.janusAdminKey),
    };
    const presence = new RedisPresence(redis, log);
    // socket.io answers its own path; everything else is the health check's (see health()).
    const server = http.createServer((req, res) => void health(req, res));
    const io = new Server(server, {
      maxHttpBufferSize: MAX_MESSAGE_BYTES,
      cors: { origin: true },
      adapter: createAdapter(adapterPub, adapterSub),
    });
    const signaling = new SignalingServer({
      nodeId,
      io,
      store,
      presence,
      tokens,
      janus,
      controls,
      live: o.live,
      faceCheck: o.faceCheck ?? acceptAnySelfieFace,
      selfieChecks: await SelfieCheckClient.open(redis, sideChannels),
      contours: new ContourRelay(sideChannels, io, log),
      log,
    });
    /**
     * GET /healthz for load balancers and process managers: 200 with this node's sessions and the free worker slots
     * while Redis answers (Janus: a node that loses it exits), else 503; any other path is a 404.
     */
    const health = async (req: http.IncomingMessage, res: http.ServerResponse) => {
      const reply = (status: number, body: object) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.url !== '/healthz') return reply(404, { error: 'not found' });
      try {
        // A Redis that is down queues commands: no answer in time is an answer too.
        const late = new Promise<never>((_, reject) => {
          setTimeout(() => reject(new Error(`no answer within ${HEALTH_TIMEOUT_MS} ms`)), HEALTH_TIMEOUT_MS).unref();
        });
        const freeWorkerSlots = await Promise.race([store.freeWorkerSlots(), late]);
        reply(200, { status: 'ok', node: nodeId, sessions: signaling.sessionCount, freeWorkerSlots });
      } catch (err) {
        reply(503, { status: 'unavailable', node: nodeId, reason: `redis: ${(err as Error).message}` });
      }
    };
    await new Promise<void>((resolve) => server.listen(o.port, o.host ?? '0.0.0.0', resolve));
    const port = (server.address() as { port: number }).port;
    log.info({ port }, 'sfu signaling listening');
    const sweep = new OrphanSweep(nodeId, controls, presence, log);
    const connections = [redis, subscriber, adapterPub, adapterSub, sideChannels];
    return new SfuNode(io, signaling, sweep, janus, connections, log, port, await redisRunId(redis));
  }

  /** Janus went away (it died or restarted): this node's sessions cannot go on, and it has no Janus session left. */
  onJanusLost(listener: () => void): void {
    this.janus.onClosed(listener);
  }

  /**
   * Redis was replaced: restarted (empty: it keeps nothing on disk) or failed over. The sessions' records, pictures
   * and the token secret are gone, so this node's sessions cannot go on (see main.ts).
   */
  onRedisReplaced(listener: () => void): void {
    const [redis] = this.redis;
    redis.on('ready', async () => {
      if ((await redisRunId(redis).catch(() => this.redisRunId)) !== this.redisRunId) listener();
    });
  }

  /** `error`: why the sessions end, when it is not an ordinary shutdown. */
  async stop(error?: ServiceError): Promise<void> {
    this.sweep.close();
    await this.signaling.close(error);
    await new Promise((r) => this.io.close(r));
    await this.janus.close();
    for (const r of this.redis) r.disconnect();
    this.log.info('sfu stopped');
  }
}
