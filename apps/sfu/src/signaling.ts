import { randomUUID } from 'node:crypto';
import {
  type Ack,
  type Config,
  type ImageUpload,
  type Logger,
  type RedisPresence,
  type RequestName,
  type RequestPayload,
  Requests,
  type ResponseFields,
  type Role,
  type ServerEvents,
  type ServiceError,
  type WorkerMessage,
  workerConnectionName,
} from '@tooncast/shared';
import type { Server, Socket } from 'socket.io';
import type { ContourRelay } from './contour-relay.ts';
import { isServiceError, ServiceFailure } from './errors.ts';
import type { JanusConnection, PluginHandle, StreamingViewer } from './janus/index.ts';
import { LiveSession } from './live-session.ts';
import { janusOwnerTag } from './orphans.ts';
import type { SelfieFaceCheck } from './selfie.ts';
import type { SelfieCheckClient } from './selfie-check.ts';
import type { SessionStore } from './store.ts';
import type { SessionTokens, TokenClaims } from './tokens.ts';
import { type ImageUse, SELFIE, TARGET_FRAME, validateImage } from './uploaded-image.ts';
import { MountpointWatchers } from './watchers.ts';

/** How long a published session waits for a worker to claim it. */
const WORKER_CLAIM_TIMEOUT_MS = 10_000;
/**
 * How often the sfu looks at a session's worker: its heartbeat (alive a few seconds after the last beat) and its Redis
 * connections.
 */
const WORKER_CHECK_MS = 500;
/** Checks in a row that must find the worker's connections closed: a reconnect after a network blip is no crash. */
const WORKER_GONE_CHECKS = 2;
/** Media-path failures a session may move on from within FAILURES_WINDOW_MS (one that breaks every worker must end). */
const MAX_FAILURES = 3;
const FAILURES_WINDOW_MS = 60_000;
/** Selfie checks one socket may ask for: one at a time, at most one per this many ms (live guidance needs ~2/s). */
const SELFIE_CHECK_INTERVAL_MS = 400;

interface SocketState {
  viewer?: StreamingViewer;
  ownedSession?: string;
  selfieCheckAt?: number;
  /** Requests that run one at a time on a connection (see oneAtATime). */
  running: Set<'selfie:check' | 'subscribe'>;
}

export interface SignalingDeps {
  /** This sfu node's id: its sessions' records name it, so workers see when it is gone (sfuConnectionName). */
  nodeId: string;
  io: Server;
  store: SessionStore;
  presence: RedisPresence;
  tokens: SessionTokens;
  janus: JanusConnection;
  controls: { videoroom: PluginHandle; streaming: PluginHandle };
  live: Config['live'];
  faceCheck: SelfieFaceCheck;
  selfieChecks: SelfieCheckClient;
  contours: ContourRelay;
  log: Logger;
}

const roomOf = (sessionId: string) => `session:${sessionId}`;

/**
 * Runs `request` unless one of its kind is still running on this connection: a second subscribe's watcher would
 * replace the first one's, left open; a second selfie check would queue behind the worker's.
 */
async function oneAtATime<T>(
  state: SocketState,
  kind: 'selfie:check' | 'subscribe',
  request: () => Promise<T>,
): Promise<T> {
  if (state.running.has(kind)) throw new ServiceFailure('too-many-requests', `one ${kind} at a time`);
  state.running.add(kind);
  try {
    return await request();
  } finally {
    state.running.delete(kind);
  }
}

/** A request that waited (on Janus, on Redis) goes no further once its session ended meanwhile. */
function unlessEnded(live: LiveSession): void {
  if (live.ended) throw new ServiceFailure('session-ended', 'this session has ended');
}

/** A request that waited takes nothing on for a connection that closed meanwhile: its disconnect has been handled. */
function unlessConnected(socket: Socket): void {
  if (socket.disconnected) throw new ServiceFailure('bad-request', 'the connection closed');
}

/**
 * socket.io signaling: every request is validated against the shared protocol schemas and acknowledged
 * with `{ ok: true, ... }` or `{ ok: false, error }`; the services keep running whatever a client sends.
 */
export class SignalingServer {
  private readonly sessions = new Map<string, LiveSession>();
  private readonly sockets = new Map<string, SocketState>();
  private readonly watchers: MountpointWatchers;

  constructor(private readonly deps: SignalingDeps) {
    this.watchers = new MountpointWatchers(deps.janus, deps.live.maxPlayoutDelayMs, deps.log);
    deps.io.on('connection', (socket) => this.accept(socket));
  }

  private accept(socket: Socket): void {
    const state: SocketState = { running: new Set() };
    this.sockets.set(socket.id, state);
    socket.onAny((event: string) => {
      if (!(event in Requests)) this.emitError(socket, { code: 'bad-request', message: `unknown request "${event}"` });
    });
    this.handle(socket, 'session:create', async () => this.createSession(socket, state));
    this.handle(socket, 'selfie:upload', async (p) => this.uploadSelfie(p));
    this.handle(socket, 'target:choose', async (p) => this.chooseTarget(p));
    this.handle(socket, 'publish', async (p) => this.publish(socket, p));
    this.handle(socket, 'subscribe', async (p) => this.subscribe(socket, state, p));
    this.handle(socket, 'subscribe:answer', async (p) => {
      await this.authorize(p.token, ['owner', 'viewer']);
      if (!state.viewer) throw new ServiceFailure('bad-request', 'subscribe first, then answer');
      await state.viewer.start(p.answer);
      return {};
    });
    this.handle(socket, 'session:end', async (p) => {
      const claims = await this.authorize(p.token, ['owner']);
      await this.endSession(claims.sessionId, 'ended by the owner');
      return {};
    });
    this.handle(socket, 'session:resume', async (p) => this.resume(socket, state, p));
    this.handle(socket, 'selfie:check', async (p) => this.checkSelfie(state, p));
    this.handle(socket, 'contour:watch', async (p) => {
      const claims = await this.authorize(p.token, ['owner']);
      await this.watchContours(claims.sessionId, socket.id, p.on);
      return {};
    });
    socket.on('disconnect', () => {
      this.sockets.delete(socket.id);
      void state.viewer?.close();
      for (const id of this.deps.contours.watchedBy(socket.id)) {
        void this.watchContours(id, socket.id, false).catch((err) =>
          this.deps.log.warn({ err, session: id }, 'could not switch the contour view off'),
        );
      }
      const owned = state.ownedSession ? this.sessions.get(state.ownedSession) : undefined;
      if (owned?.ownerSocketId === socket.id) this.ownerAway(owned, 'the owner left');
    });
  }

  private handle<E extends RequestName>(
    socket: Socket,
    event: E,
    handler: (payload: RequestPayload<E>) => Promise<ResponseFields[E]>,
  ): void {
    socket.on(event as string, async (payload: unknown, ack: unknown) => {
      if (typeof ack !== 'function') {
        this.emitError(socket, { code: 'bad-request', message: `"${event}" must be sent with an acknowledgement` });
        return;
      }
      const reply = ack as (response: Ack<ResponseFields[E]>) => void;
      const parsed = Requests[event].safeParse(payload);
      if (!parsed.success) {
        const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ');
        reply({ ok: false, error: { code: 'bad-request', message: `invalid "${event}": ${detail}` } });
        return;
      }
      try {
        reply({ ok: true, ...(await handler(parsed.data as RequestPayload<E>)) });
      } catch (err) {
        reply({ ok: false, error: this.toServiceError(event, err) });
      }
    });
  }

  private toServiceError(event: string, err: unknown): ServiceError {
    if (err instanceof ServiceFailure) return err.toJSON();
    this.deps.log.error({ err, event }, 'request failed');
    return { code: 'internal', message: `"${event}" failed: ${(err as Error).message}` };
  }

  private emitError(socket: Socket, error: ServiceError): void {
    socket.emit('service:error', error);
  }

  private emitStatus(sessionId: string, ...args: Parameters<ServerEvents['session:status']>): void {
    this.deps.io.to(roomOf(sessionId)).emit('session:status', ...args);
  }

  private async authorize(token: string, roles: Role[]): Promise<TokenClaims> {
    const claims = this.deps.tokens.verify(token);
    if (isServiceError(claims)) throw ServiceFailure.from(claims);
    if (!roles.includes(claims.role)) throw new ServiceFailure('forbidden', `a ${claims.role} link cannot do this`);
    if (await this.deps.store.isEnded(claims.sessionId)) {
      throw new ServiceFailure('session-ended', 'this session has ended');
    }
    return claims;
  }

  private ownerSession(claims: TokenClaims): LiveSession {
    const live = this.sessions.get(claims.sessionId);
    if (!live) throw new ServiceFailure('session-not-found', 'this session is not running on this server');
    return live;
  }

  private async createSession(socket: Socket, state: SocketState): Promise<ResponseFields['session:create']> {
    // One running session per connection; once it ended (by the owner, or failed) the page may start another.
    const owning = () => {
      if (state.ownedSession && this.sessions.has(state.ownedSession)) {
        throw new ServiceFailure('already-publishing', 'this connection already owns a session');
      }
    };
    owning();
    const sessionId = randomUUID();
    await this.deps.store.create(sessionId);
    // Closed meanwhile, or given a session by a create sent alongside, nobody would end this one (its record expires).
    unlessConnected(socket);
    owning();
    this.sessions.set(sessionId, new LiveSession(sessionId, socket.id, this.deps.log));
    state.ownedSession = sessionId;
    await socket.join(roomOf(sessionId));
    this.deps.log.info({ session: sessionId }, 'session created');
    return {
      sessionId,
      ownerToken: this.deps.tokens.issue(sessionId, 'owner'),
      viewerToken: this.deps.tokens.issue(sessionId, 'viewer'),
    };
  }

  /** The picture's bytes once it passed the format and size checks; a ServiceFailure saying what is wrong if not. */
  private validBytes(upload: ImageUpload, use: ImageUse, maxBytes: number) {
    const bytes = Buffer.from(upload.image.buffer, upload.image.byteOffset, upload.image.byteLength);
    const size = validateImage(bytes, upload.mime, maxBytes, use);
    if (isServiceError(size)) throw ServiceFailure.from(size);
    return { bytes, size };
  }

  private async uploadSelfie(p: RequestPayload<'selfie:upload'>): Promise<ResponseFields['selfie:upload']> {
    const claims = await this.authorize(p.token, ['owner']);
    const { bytes, size } = this.validBytes(p, SELFIE, this.deps.live.selfieMaxBytes);
    const noFace = await this.deps.faceCheck(bytes);
    if (noFace) throw ServiceFailure.from(noFace);
    await this.deps.store.setImage('selfie', claims.sessionId, bytes, this.deps.live.selfieTtlSeconds);
    return size;
  }

  private async chooseTarget(p: RequestPayload<'target:choose'>): Promise<ResponseFields['target:choose']> {
    const claims = await this.authorize(p.token, ['owner']);
    const { live, store } = this.deps;
    const frame = p.frame && this.validBytes(p.frame, TARGET_FRAME, live.targetFrameMaxBytes).bytes;
    await store.update(claims.sessionId, { targetX: p.x, targetY: p.y, targetTime: p.timeSeconds });
    // A choice without its frame (an older page) drops an earlier choice's: the worker then picks on live frames.
    await store.setImage('targetFrame', claims.sessionId, frame, live.selfieTtlSeconds);
    return {};
  }

  private async publish(socket: Socket, p: RequestPayload<'publish'>): Promise<ResponseFields['publish']> {
    const claims = await this.authorize(p.token, ['owner']);
    const live = this.ownerSession(claims);
    // Its own room and mountpoint would replace the first one's, which nothing would release then.
    if (live.starting) throw new ServiceFailure('already-publishing', 'the session is starting already');
    // A resumed owner publishes into the session's room again (replacing a publisher the old page left behind), and
    // so does an owner whose media path died: from the owner's connection, that ends the wait for them.
    if (live.room) {
      const republished = await this.republish(live, p.offer);
      if (live.ownerSocketId === socket.id) clearTimeout(live.graceTimer);
      return republished;
    }
    live.starting = this.start(live);
    try {
      await live.starting;
    } finally {
      live.starting = undefined;
    }
    unlessEnded(live);
    this.emitStatus(live.id, { state: 'starting' });
    const published = live.room!.publish(p.offer, (reason) => this.publisherLost(live, reason));
    live.published = published;
    try {
      return { answer: await published };
    } catch (err) {
      const message = `the media server refused the stream: ${(err as Error).message}`;
      await this.failSession(live, { code: 'janus-failed', message });
      throw new ServiceFailure('janus-failed', message);
    }
  }

  /**
   * Sets the session up for its first publish: the room and mountpoint, the records, the queue. An end meanwhile
   * stops it at its next step; endSession releases what it made once it is done (LiveSession.starting).
   */
  private async start(live: LiveSession): Promise<void> {
    const { store } = this.deps;
    if (!(await store.hasImage('selfie', live.id))) {
      throw new ServiceFailure('selfie-missing', 'upload a selfie first');
    }
    const record = await store.get(live.id);
    if (record?.targetX === undefined) throw new ServiceFailure('target-missing', "click the character's face first");
    if ((await store.freeWorkerSlots()) < 1) {
      throw new ServiceFailure('no-worker', 'all inference workers are busy; try again in a minute');
    }
    unlessEnded(live);
    try {
      await live.createMedia(this.deps.janus, this.deps.controls, janusOwnerTag(this.deps.nodeId, live.id));
    } catch (err) {
      this.deps.log.error({ err, session: live.id }, 'janus refused the session');
      await live.releaseMedia();
      throw new ServiceFailure('janus-failed', `the media server refused the stream: ${(err as Error).message}`);
    }
    unlessEnded(live);
    await store.update(live.id, {
      state: 'starting',
      sfuNode: this.deps.nodeId,
      roomId: live.room!.id,
      mountpointId: live.mountpoint!.id,
      mountpointVideoPort: live.mountpoint!.videoPort,
      mountpointAudioPort: live.mountpoint!.audioPort,
      mountpointVideoRtcpPort: live.mountpoint!.videoRtcpPort,
    });
    await store.listen(live.id, (m) => void this.workerEvent(live, () => this.onWorkerMessage(live, m)));
    unlessEnded(live);
    // Their TTL is a safety net for sessions that never end; a running one keeps them for a worker taking over.
    const ttl = this.deps.live.selfieTtlSeconds;
    live.imagesTimer = setInterval(() => void store.keepImages(live.id, ttl).catch(() => undefined), (ttl * 1000) / 2);
    this.awaitClaim(live, { code: 'no-worker', message: 'no inference worker picked up the session' });
    // A worker opens the session (the selfie's analysis) while Janus answers and the browser connects.
    await store.enqueue(live.id);
  }

  private async onWorkerMessage(live: LiveSession, message: WorkerMessage): Promise<void> {
    if (live.ended) return;
    // Only the worker holding the session is heard: a former one's late ready or failure (it was lost, the session
    // moved on) would take the session from the worker that has it now.
    const fromWorker =
      message.type === 'worker-ready' || message.type === 'worker-failed' || message.type === 'worker-leaving';
    if (fromWorker && message.workerId !== live.workerId) {
      this.deps.log.info({ session: live.id, message }, 'ignored a worker that does not hold the session');
      // It may have missed the `end` sent at its claim (it listens only from then on), and must not feed the stream.
      if (message.type === 'worker-ready') await this.dismiss(live, message.workerId);
      return;
    }
    switch (message.type) {
      case 'worker-claimed':
        if (live.workerId === undefined) this.watchWorker(live, message.workerId);
        // One worker holds a session: a second claimer lets it go.
        else if (live.workerId !== message.workerId) await this.dismiss(live, message.workerId);
        break;
      case 'worker-ready':
        clearTimeout(live.workerTimer);
        live.workerTarget = {
          host: message.host,
          videoPort: message.videoPort,
          audioPort: message.audioPort,
          videoRtcpPort: message.videoRtcpPort,
        };
        // A publish that failed has ended the session.
        await live.published?.catch(() => undefined);
        if (live.ended) return;
        // The owner may have switched the debug view on before the worker was ready.
        if (this.deps.contours.watching(live.id))
          await this.deps.store.send(live.id, { type: 'contour-view', on: true });
        try {
          // A publisher lost for now (the owner's grace time, a republish under way) is forwarded once it is back.
          if (live.room!.publishing) await live.room!.forward(live.workerTarget);
        } catch (err) {
          await this.failSession(live, {
            code: 'janus-failed',
            message: `forwarding failed: ${(err as Error).message}`,
          });
          return;
        }
        await this.deps.store.update(live.id, { state: 'live', workerId: message.workerId });
        this.emitStatus(live.id, { state: 'live' });
        this.deps.log.info({ session: live.id, worker: message.workerId }, 'session live');
        break;
      case 'worker-failed':
        // The media path failed (an ffmpeg died, at the start or later): a worker may carry the session on afresh.
        if (message.code === 'worker-failed' && this.mayMoveOn(live)) {
          await this.workerLost(live, message.workerId, `its worker failed: ${message.message}`);
          break;
        }
        await this.failSession(live, {
          code: message.code,
          message:
            message.code === 'worker-failed' ? `the inference worker failed: ${message.message}` : message.message,
        });
        break;
      case 'worker-leaving':
        await this.workerLost(live, message.workerId, 'its worker is stopping');
        break;
      case 'stats':
        this.deps.io.to(roomOf(live.id)).emit('stats', message.stats);
        break;
      case 'end':
        break;
    }
  }

  /**
   * Watches the claiming worker, from its claim on: when its heartbeat stops (a restart, a stall) or its connections
   * close (a crash, seen within a second instead of the heartbeat's few), the session moves to another.
   */
  private watchWorker(live: LiveSession, workerId: string): void {
    clearInterval(live.workerWatch);
    live.workerId = workerId;
    let goneChecks = 0;
    live.workerWatch = setInterval(async () => {
      // A Redis error is not a dead worker.
      const [beating, connected] = await Promise.all([
        this.deps.store.workerAlive(workerId).catch(() => true),
        this.deps.presence.connected(workerConnectionName(workerId)),
      ]);
      goneChecks = connected === false ? goneChecks + 1 : 0;
      if (beating && goneChecks < WORKER_GONE_CHECKS) return;
      const reason = beating ? 'its worker crashed' : 'its worker stopped';
      await this.workerEvent(live, () => this.workerLost(live, workerId, reason));
    }, WORKER_CHECK_MS);
  }

  /** Tells a worker that does not hold the session to let it go. */
  private async dismiss(live: LiveSession, workerId: string): Promise<void> {
    await this.deps.store.send(live.id, { type: 'end', reason: 'another worker holds the session', workerId });
  }

  /** A worker event of `live`, after those before it (LiveSession.inOrder); a failure is logged. */
  private workerEvent(live: LiveSession, event: () => Promise<void>): Promise<void> {
    return live
      .inOrder(event)
      .catch((err) => this.deps.log.error({ err, session: live.id }, 'handling a worker event failed'));
  }

  /**
   * The session's worker is gone, or failed it. Its forward stops (its port may soon be someone else's), and the
   * session is offered to the workers again. The one that claims it feeds the same mountpoint, so the owner's and the
   * viewers' connections stay up and the picture comes back. Without a worker to take it, the session fails with a
   * clear error.
   */
  private async workerLost(live: LiveSession, workerId: string, reason: string): Promise<void> {
    if (live.ended || live.workerId !== workerId) return;
    clearInterval(live.workerWatch);
    // Lost while starting, the session's claim timer still runs: the time to find a worker starts again.
    clearTimeout(live.workerTimer);
    live.workerId = live.workerTarget = undefined;
    this.deps.log.warn({ session: live.id, worker: workerId, reason }, 'offering the session to the workers again');
    await live.room
      ?.stopForwarding()
      .catch((err) => this.deps.log.warn({ err, session: live.id }, 'could not stop the forward to the old worker'));
    // A worker that only missed its beats (stalled, not dead) lets the session go when it hears this.
    await this.deps.store.send(live.id, { type: 'end', reason: 'the session moved to another worker', workerId });
    const error = {
      code: 'worker-failed',
      message: 'the inference worker stopped and no other worker took the session over',
    } as const;
    this.emitStatus(live.id, { state: 'starting' });
    await this.offerAgain(live, reason, error);
  }

  /** Queues the session for the workers again (`reason` kept for operators), who then have the claim time. */
  private async offerAgain(live: LiveSession, reason: string, error: ServiceError): Promise<void> {
    await this.deps.store.update(live.id, { state: 'starting', movedBecause: reason });
    this.awaitClaim(live, error);
    await this.deps.store.enqueue(live.id);
  }

  /**
   * Gives the workers WORKER_CLAIM_TIMEOUT_MS to take the (queued) session and report ready (`worker-ready` stops
   * this). A session still queued then found no free worker and fails with `error`. One claimed but not ready (a
   * stuck start) moves on as a lost worker's does; one that left the queue unclaimed was taken by a worker that died
   * before it announced the claim, and is queued again. Both count as moves (at most three a minute).
   */
  private awaitClaim(live: LiveSession, error: ServiceError): void {
    live.workerTimer = setTimeout(() => {
      void this.workerEvent(live, async () => {
        if (live.ended) return;
        const claimer = live.workerId;
        const taken = claimer !== undefined || !(await this.deps.store.isQueued(live.id));
        if (taken && this.mayMoveOn(live)) {
          if (claimer) return this.workerLost(live, claimer, 'its worker did not get ready in time');
          this.deps.log.warn({ session: live.id }, 'a worker took the session and never claimed it; queued again');
          return this.offerAgain(live, 'a worker took it and never claimed it', error);
        }
        await this.failSession(live, error);
      });
    }, WORKER_CLAIM_TIMEOUT_MS);
  }

  /** Whether the session may move on once more (a failed media path, a stuck or lost start), counting this move. */
  private mayMoveOn(live: LiveSession): boolean {
    const now = Date.now();
    live.failures = [...live.failures.filter((at) => now - at < FAILURES_WINDOW_MS), now];
    return live.failures.length <= MAX_FAILURES;
  }

  private async failSession(live: LiveSession, error: ServiceError): Promise<void> {
    this.deps.log.warn({ session: live.id, error }, 'session failed');
    await this.endSession(live.id, error.message, error);
  }

  private async subscribe(
    socket: Socket,
    state: SocketState,
    p: RequestPayload<'subscribe'>,
  ): Promise<ResponseFields['subscribe']> {
    const claims = await this.authorize(p.token, ['owner', 'viewer']);
    return oneAtATime(state, 'subscribe', async () => {
      await socket.join(roomOf(claims.sessionId));
      const record = await this.deps.store.get(claims.sessionId);
      if (!record) throw new ServiceFailure('session-not-found', 'this session does not exist');
      // Watching may start as soon as the mountpoint exists: the first keyframe then finds the watcher ready.
      if (!record.mountpointId) {
        throw new ServiceFailure('not-live', 'the stream has not started yet; you will be notified when it does');
      }
      // The new watcher first: closing the old one first could close this node's last watcher and its spare.
      const previous = state.viewer;
      const { viewer, offer } = await this.watchers.watch(record.mountpointId);
      // Closed meanwhile, the connection's disconnect closed no watcher of this request.
      if (socket.disconnected) await viewer.close();
      unlessConnected(socket);
      viewer.onHangup(() => {
        if (state.viewer === viewer) state.viewer = undefined;
        void viewer.close();
      });
      state.viewer = viewer;
      await previous?.close();
      return { offer, role: claims.role };
    });
  }

  /** The owner's connection or published stream dropped: the session waits the grace time for them to resume. */
  private ownerAway(live: LiveSession, reason: string): void {
    if (live.ended) return;
    clearTimeout(live.graceTimer);
    this.deps.log.info({ session: live.id, reason }, 'owner away; waiting for them to resume');
    // Logged: a failure (Redis down) left unhandled would end the process, and every session on this node with it.
    const end = () =>
      this.endSession(live.id, reason).catch((err) =>
        this.deps.log.error({ err, session: live.id }, 'could not end the session'),
      );
    live.graceTimer = setTimeout(() => void end(), this.deps.live.ownerGraceSeconds * 1000);
  }

  private publisherLost(live: LiveSession, reason: string): void {
    void live.room?.unpublish();
    this.ownerAway(live, `the published stream stopped (${reason})`);
  }

  /** The owner is back within the grace time (page reload, socket reconnect): this socket owns the session again. */
  private async resume(
    socket: Socket,
    state: SocketState,
    p: RequestPayload<'session:resume'>,
  ): Promise<ResponseFields['session:resume']> {
    const claims = await this.authorize(p.token, ['owner']);
    const live = this.ownerSession(claims);
    const record = await this.deps.store.get(claims.sessionId);
    if (!record) throw new ServiceFailure('session-not-found', 'this session does not exist');
    // Closed meanwhile, the connection would own the session for good: the grace time runs on.
    unlessConnected(socket);
    clearTimeout(live.graceTimer);
    live.ownerSocketId = socket.id;
    state.ownedSession = live.id;
    await socket.join(roomOf(live.id));
    this.deps.log.info({ session: live.id }, 'owner resumed');
    return { sessionId: live.id, state: record.state, publishing: live.room?.publishing ?? false };
  }

  /** The resumed owner publishes the clip again into the session's room, forwarded to the same worker. */
  private async republish(
    live: LiveSession,
    offer: RequestPayload<'publish'>['offer'],
  ): Promise<ResponseFields['publish']> {
    try {
      await live.room!.unpublish();
      const answer = await live.room!.publish(offer, (reason) => this.publisherLost(live, reason));
      if (live.workerTarget) await live.room!.forward(live.workerTarget);
      return { answer };
    } catch (err) {
      this.deps.log.error({ err, session: live.id }, 'janus refused the republished stream');
      await live.room?.unpublish();
      throw new ServiceFailure('janus-failed', `the media server refused the stream: ${(err as Error).message}`);
    }
  }

  private async checkSelfie(
    state: SocketState,
    p: RequestPayload<'selfie:check'>,
  ): Promise<ResponseFields['selfie:check']> {
    // The format first: a bad picture gets its own reason, whatever the pace (and costs no worker time).
    const { bytes } = this.validBytes(p, SELFIE, this.deps.live.selfieMaxBytes);
    const now = Date.now();
    return oneAtATime(state, 'selfie:check', async () => {
      if (now - (state.selfieCheckAt ?? 0) < SELFIE_CHECK_INTERVAL_MS) {
        throw new ServiceFailure('too-many-requests', 'at most a few selfie checks a second');
      }
      state.selfieCheckAt = now;
      return { verdict: await this.deps.selfieChecks.check(bytes) };
    });
  }

  private async watchContours(sessionId: string, socketId: string, on: boolean): Promise<void> {
    const { contours, store } = this.deps;
    const changed = on ? await contours.watch(sessionId, socketId) : await contours.unwatch(sessionId, socketId);
    if (changed) await store.send(sessionId, { type: 'contour-view', on });
  }

  /** Ends a session everywhere: worker released, Janus room and mountpoint destroyed, Redis keys removed. */
  async endSession(sessionId: string, reason: string, error?: ServiceError): Promise<void> {
    const live = this.sessions.get(sessionId);
    if (!live || live.ended) return;
    live.ended = true;
    this.sessions.delete(sessionId);
    this.deps.log.info({ session: sessionId, reason }, 'ending session');
    this.emitStatus(sessionId, { state: 'ended', error });
    // A start under way stops at its next step; what it made is released below.
    await live.starting?.catch(() => undefined);
    await this.deps.store.send(sessionId, { type: 'end', reason }).catch(() => undefined);
    if (live.mountpoint) this.watchers.ended(live.mountpoint.id);
    await live.releaseMedia();
    await this.deps.store.end(sessionId);
  }

  /** Sessions this node holds (started, not ended). */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Ends every session this node holds: for the shutdown, or with `error` when they cannot go on. */
  async close(error?: ServiceError): Promise<void> {
    const reason = error?.message ?? 'the server is shutting down';
    await Promise.all([...this.sessions.keys()].map((id) => this.endSession(id, reason, error)));
    await this.watchers.close();
  }
}
