import type { ContourFrame, LiveStats, ResponseFields, ServiceError, SessionState, StartSteps } from '@tooncast/shared';
import type { Socket } from 'socket.io-client';
import type { Selfie, SelfieCheck } from '../components/SelfiePicker.tsx';
import { watchFrameIds } from './frame-id.ts';
import { readPresentedPixels } from './frame-pixels.ts';
import {
  connectSignaling,
  newConnection,
  onMediaLost,
  publish,
  request,
  ServiceErrorEvent,
  subscribe,
  whenConnected,
} from './live-client.ts';
import {
  createMeasurements,
  latestGlassToGlass,
  measureInbound,
  measureReceived,
  type PageMeasurements,
} from './measure.ts';
import { describeError } from './messages.ts';
import { DelayedClipSound } from './owner-sound.ts';
import { forgetSession, loadClip, loadSession, type SavedSession, saveClip, saveSession } from './resume.ts';
import { centredRect, lumaCells, MATCH_GRID } from './thumbnail.ts';
import { VideoDelayEstimator } from './video-delay.ts';

export const DEMO_CLIP_URL = '/clips/demo';
/** Spacing of selfie checks, a little over the service's limit (apps/sfu SELFIE_CHECK_INTERVAL_MS). */
const SELFIE_CHECK_SPACING_MS = 450;

export type OwnerState = SessionState | 'idle' | 'resuming';

/** What the owner's page needs of the service's configuration. */
export interface OwnerService {
  sfuPort: number;
  /** The most the published clip's video may spend, bit/s (undefined: the browser chooses). */
  publishBitrate?: number;
  /** The worker's frame size: a larger clip is published scaled down to fit it. */
  frameSize: { width: number; height: number };
}

/** What the owner page shows; the session calls these as things happen. */
export interface OwnerView {
  state(state: OwnerState): void;
  error(message: string | undefined): void;
  stats(stats: LiveStats, glassToGlassMs?: number): void;
  personalized(stream: MediaStream): void;
  /** The clip's video track as published (again after a resume). */
  published(track: MediaStreamTrack): void;
  shareUrl(url: string): void;
  /** After a reload: show the saved choices again (the clip to publish from, the clicked face). */
  restore(saved: SavedSession, clipUrl: string): void;
  contour(frame: ContourFrame): void;
  /** Whether a lost media path is being negotiated anew (the picture is frozen meanwhile). */
  reconnecting(on: boolean): void;
  /** Whether start is under way: the choices it sent must not change, nor start be pressed again, until it settles. */
  starting(on: boolean): void;
}

function errorOf(err: unknown): ServiceError {
  return err instanceof ServiceErrorEvent ? err.error : { code: 'internal', message: String(err) };
}

/** Resolves once the clip element plays `url` and knows its duration. */
function clipReady(clip: HTMLVideoElement, url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 15_000;
    const poll = () => {
      if (clip.currentSrc.endsWith(url) && clip.readyState >= 1) return resolve();
      if (Date.now() > deadline) return reject(new Error('the clip did not load again'));
      setTimeout(poll, 50);
    };
    poll();
  });
}

/**
 * The owner's side of a live session: signaling, the published clip, the personalized stream, and resuming after
 * a reload or a dropped connection (the tokens stay in sessionStorage; the service waits its grace time for us).
 */
export class OwnerSession {
  readonly socket: Socket;
  readonly m: PageMeasurements;
  private saved?: SavedSession;
  /**
   * The session start created, until it ends: a start refused after it (e.g. no worker free) is pressed again on
   * the same session, which the service keeps for this connection.
   */
  private created?: ResponseFields['session:create'];
  /** A start is under way (see OwnerView.starting). */
  private starting = false;
  /** The last connection attempt failed: the banner says the service cannot be reached. */
  private unreachable = false;
  private publisher?: RTCPeerConnection;
  private watcher?: RTCPeerConnection;
  /** Connections made when start is pressed (see newConnection), taken over by the first publish and watch. */
  private early?: { publisher?: RTCPeerConnection; watcher?: RTCPeerConnection };
  private watching = false;
  /** The publisher's media path died (see mediaLost) and was not renewed yet. */
  private publisherLost = false;
  /** Lost media paths being negotiated anew. */
  private renewing = 0;
  private contourView = false;
  private stopFrameIds?: () => void;
  private clipTimer?: ReturnType<typeof setInterval>;
  /** The clip's sound as the owner hears it, from the first publish on. */
  private sound?: DelayedClipSound;
  private readonly pictureDelay = new VideoDelayEstimator();
  private stopClipThumbnails?: () => void;
  /** Stops the readers of the personalized <video>'s frames. */
  private stopShown?: () => void;
  /** The picture track the service sent last, and the stream the page shows of it (with the delayed clip sound). */
  private composed?: { picture?: MediaStreamTrack; shown: MediaStream };

  constructor(
    private readonly service: OwnerService,
    private readonly clip: () => HTMLVideoElement,
    private readonly view: OwnerView,
  ) {
    this.m = createMeasurements();
    const socket = connectSignaling(service.sfuPort);
    this.socket = socket;
    socket.on('service:error', (e: ServiceError) => this.fail(e));
    socket.on('stats', (s: LiveStats) => {
      this.m.workerStats = s;
      view.stats(s, latestGlassToGlass(this.m));
    });
    socket.on('connect_error', () => {
      this.unreachable = true;
      view.error('Cannot reach the Tooncast service. Is it running?');
    });
    socket.on('session:status', (s: { state: SessionState; error?: ServiceError }) => this.onStatus(s));
    socket.on('contour', (f: ContourFrame) => {
      this.m.contourFrames++;
      view.contour(f);
    });
    // First connect after a reload, or a reconnect after a drop: pick the session up again if there is one.
    socket.on('connect', () => {
      // Reached again: the banner no longer holds (a failed resume puts up its own).
      if (this.unreachable) view.error(undefined);
      this.unreachable = false;
      void this.resume();
    });
    if (loadSession()) view.state('resuming');
  }

  /**
   * The engine's verdict on a selfie candidate. The service takes one check at a time per connection, a few a
   * second: the webcam guidance and a taken selfie queue up here instead of being refused.
   */
  readonly check: SelfieCheck = (bytes, mime) => {
    const run = this.checks.then(async () => {
      const wait = SELFIE_CHECK_SPACING_MS - (Date.now() - this.lastCheckAt);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      this.lastCheckAt = Date.now();
      return (await request(this.socket, 'selfie:check', { mime, image: bytes })).verdict;
    });
    this.checks = run.catch(() => undefined);
    return run;
  };
  private checks: Promise<unknown> = Promise.resolve();
  private lastCheckAt = 0;

  /** `targetFrame`: the paused frame the owner clicked on, JPEG (undefined when the page could not capture it). */
  async start(
    selfie: Selfie,
    target: SavedSession['target'],
    targetFrame: Promise<Uint8Array<ArrayBuffer> | undefined> | undefined,
    clipFile?: Blob,
  ): Promise<void> {
    // A second press would replace the first one's connections and create or publish again.
    if (this.starting) return;
    this.starting = true;
    this.view.starting(true);
    const { socket, m } = this;
    this.view.error(undefined);
    m.startedAt = Date.now();
    m.firstFrameAt = undefined;
    const steps: StartSteps = {};
    m.startSteps = steps;
    this.closeEarly();
    this.early = { publisher: newConnection(), watcher: newConnection() };
    try {
      this.created ??= await request(socket, 'session:create', {});
      const session = this.created;
      steps.sessionCreated = Date.now();
      await request(socket, 'selfie:upload', { token: session.ownerToken, mime: selfie.mime, image: selfie.bytes });
      steps.selfieUploaded = Date.now();
      const image = await targetFrame;
      const frame = image && { mime: 'image/jpeg' as const, image };
      await request(socket, 'target:choose', { token: session.ownerToken, ...target, frame });
      steps.targetChosen = Date.now();
      this.saved = { ...session, target, clip: clipFile ? 'file' : 'demo', clipTime: target.timeSeconds };
      this.announce();
      await this.publishClip();
      steps.published = Date.now();
      if (clipFile) await saveClip(clipFile).catch(() => undefined);
      saveSession(this.saved);
    } catch (err) {
      this.closeEarly();
      this.fail(errorOf(err));
    } finally {
      this.starting = false;
      this.view.starting(false);
    }
  }

  /** Ends the stream for everybody watching; the service's 'ended' status then resets the page (onStatus). */
  async end(): Promise<void> {
    if (!this.saved) return;
    await request(this.socket, 'session:end', { token: this.saved.ownerToken }).catch((err) => this.fail(errorOf(err)));
  }

  private takeEarly(which: 'publisher' | 'watcher'): RTCPeerConnection {
    const pc = this.early?.[which] ?? newConnection();
    if (this.early) this.early[which] = undefined;
    return pc;
  }

  async setContourView(on: boolean): Promise<void> {
    this.contourView = on;
    if (!this.saved) return;
    await request(this.socket, 'contour:watch', { token: this.saved.ownerToken, on }).catch((err) =>
      this.fail(errorOf(err)),
    );
  }

  private announce(): void {
    const saved = this.saved!;
    const url = `${location.origin}/watch?token=${encodeURIComponent(saved.viewerToken)}`;
    this.m.shareUrl = url;
    this.m.sessionId = saved.sessionId;
    this.view.shareUrl(url);
  }

  private fail(e: ServiceError): void {
    this.m.errors.push(`${e.code}: ${e.message}`);
    this.view.error(describeError(e));
  }

  private onStatus(status: { state: SessionState; error?: ServiceError }): void {
    this.m.state = status.state;
    this.view.state(status.state);
    if (status.error) this.fail(status.error);
    if (status.state === 'live' && this.m.startSteps) this.m.startSteps.live ??= Date.now();
    if (status.state === 'starting' || status.state === 'live') void this.watch();
    if (status.state === 'ended') this.forget();
  }

  /** The session is over (ended, or found gone by a resume): the next start creates a new one. */
  private forget(): void {
    forgetSession();
    this.saved = this.created = undefined;
    clearInterval(this.clipTimer);
    this.clip().muted = false;
    this.sound?.from(undefined);
    // The service hung up both connections; another start makes new ones.
    this.closeConnections();
    this.watching = false;
  }

  /** Publishes the clip from where it is; the clip's position is saved so a reload publishes on from there. */
  private async publishClip(): Promise<void> {
    const clip = this.clip();
    clip.loop = true;
    this.stopFrameIds ??= watchFrameIds(clip, (id, at) => {
      this.m.sourceShown[id] = at;
    });
    this.stopClipThumbnails ??= this.readThumbnails(clip, undefined, (at, thumb) =>
      this.pictureDelay.source(at, thumb),
    );
    await clip.play();
    // The owner hears the clip with the personalized picture, delayed as much, not twice; the captured track keeps
    // its sound.
    clip.muted = true;
    const stream = (clip as HTMLVideoElement & { captureStream(): MediaStream }).captureStream();
    this.clipSound().from(stream.getAudioTracks()[0]);
    const { publishBitrate, frameSize } = this.service;
    // The worker fits every frame into its size: larger ones would only cost the encoder, the uplink and its decoder.
    const scale = Math.max(1, clip.videoWidth / frameSize.width, clip.videoHeight / frameSize.height);
    const publisher = await publish(
      this.socket,
      this.saved!.ownerToken,
      stream,
      { maxBitrate: publishBitrate, scaleResolutionDownBy: scale },
      this.takeEarly('publisher'),
    );
    this.publisher?.close();
    this.publisher = publisher;
    this.publisherLost = false;
    onMediaLost(publisher, () => this.mediaLost('publisher', publisher));
    this.view.published(stream.getVideoTracks()[0]);
    clearInterval(this.clipTimer);
    this.clipTimer = setInterval(() => {
      if (!this.saved) return;
      this.saved.clipTime = clip.currentTime;
      saveSession(this.saved);
    }, 1000);
  }

  /** Watches the personalized stream (again after a resume: the old watch ended with the old connection). */
  private async watch(): Promise<void> {
    if (this.watching || !this.saved) return;
    this.watching = true;
    try {
      const connection = this.takeEarly('watcher');
      // Its statistics from the start: the first frame can show before the answer's acknowledgement comes back.
      measureInbound(connection, this.m);
      const pc = await subscribe(this.socket, this.saved.ownerToken, (s) => this.view.personalized(this.compose(s)), {
        recorded: this.m.startSteps,
        pc: connection,
        sound: false,
      });
      this.watcher?.close();
      this.watcher = pc;
      onMediaLost(pc, () => this.mediaLost('watcher', pc));
    } catch (err) {
      this.watching = false;
      // Not live yet: the next status event tries again.
      if (errorOf(err).code !== 'not-live') this.fail(errorOf(err));
    }
  }

  /**
   * A media path died while signaling may stay up: it is negotiated anew. Without signaling, the reconnect's resume
   * renews both.
   */
  private mediaLost(connection: 'publisher' | 'watcher', pc: RTCPeerConnection): void {
    if (pc !== this[connection] || !this.saved) return;
    this.m.renegotiated.push({ connection, at: Date.now() });
    if (connection === 'publisher') this.publisherLost = true;
    if (!this.socket.connected) return;
    this.view.reconnecting(++this.renewing > 0);
    // Until the new connection is up: the picture stays frozen that long.
    const renew = async () => {
      if (connection === 'watcher') {
        this.watching = false;
        await this.watch();
      } else await this.publishClip();
      const renewed = this[connection];
      if (renewed && renewed !== pc) await whenConnected(renewed);
    };
    void renew()
      .catch((err) => this.fail(errorOf(err)))
      .finally(() => this.view.reconnecting(--this.renewing > 0));
  }

  /**
   * The service's stream as the page shows it: its picture, with the clip's sound delayed to match. Made again only
   * for another picture track: each track event of a connection hands over the same stream.
   */
  private compose(from: MediaStream): MediaStream {
    const picture = from.getVideoTracks()[0];
    if (!this.composed || this.composed.picture !== picture) {
      const tracks = picture ? [picture, this.clipSound().track] : [this.clipSound().track];
      this.composed = { picture, shown: new MediaStream(tracks) };
    }
    return this.composed.shown;
  }

  /** Made on first use: a page that never starts needs no audio. */
  private clipSound(): DelayedClipSound {
    this.sound ??= new DelayedClipSound();
    return this.sound;
  }

  /**
   * The personalized <video> shows a new stream: its barcodes are measured, and its frames matched with the clip's
   * to find how far to delay the sound. The readers start again with each stream (a renegotiation brings one), as
   * the measurements did before: read once per element, a CI run saw no fresh frames after a renegotiation.
   */
  showing(video: HTMLVideoElement): void {
    this.stopShown?.();
    const stopIds = measureReceived(video, this.m);
    const clipAspect = () => this.clip().videoWidth / this.clip().videoHeight;
    const stopThumbnails = this.readThumbnails(video, clipAspect, (at, thumb) => {
      if (!this.pictureDelay.received(at, thumb)) return;
      this.m.pictureDelayMs = this.pictureDelay.delayMs;
      this.clipSound().matchPicture(this.pictureDelay.delayMs!);
    });
    this.stopShown = () => {
      stopIds();
      stopThumbnails();
    };
  }

  /**
   * Calls `onThumbnail` with each frame `video` presents, as a thumbnail of the clip's shape `aspect` gives (see
   * centredRect), at its presentation time (epoch ms).
   */
  private readThumbnails(
    video: HTMLVideoElement,
    aspect: (() => number) | undefined,
    onThumbnail: (at: number, thumb: Uint8Array) => void,
  ): () => void {
    const rectOf = (width: number, height: number) =>
      aspect ? centredRect(width, height, aspect()) : { x: 0, y: 0, width, height };
    return readPresentedPixels(video, rectOf, (pixels, at) =>
      onThumbnail(performance.timeOrigin + at, lumaCells(pixels, MATCH_GRID)),
    );
  }

  private async resume(): Promise<void> {
    const reloaded = !this.saved;
    const saved = this.saved ?? loadSession();
    if (!saved) return;
    try {
      const r = await request(this.socket, 'session:resume', { token: saved.ownerToken });
      this.saved = saved;
      this.m.startedAt ??= Date.now();
      this.m.state = r.state;
      this.announce();
      this.view.state(r.state);
      this.watching = false;
      if (r.state === 'starting' || r.state === 'live') void this.watch();
      if (this.contourView) await this.setContourView(true);
      // After a reload the old page's stream is gone (or going): publish the clip again from where it was.
      if (reloaded) {
        const url = saved.clip === 'file' ? URL.createObjectURL((await loadClip()) ?? new Blob()) : DEMO_CLIP_URL;
        this.view.restore(saved, url);
        const clip = this.clip();
        await clipReady(clip, url);
        clip.currentTime = saved.clipTime;
      }
      if (reloaded || !r.publishing || this.publisherLost) await this.publishClip();
    } catch (err) {
      this.forget();
      const e = errorOf(err);
      this.m.errors.push(`${e.code}: ${e.message}`);
      this.view.state('idle');
      this.view.error(`Your previous stream could not be resumed: ${describeError(e)}`);
    }
  }

  close(): void {
    clearInterval(this.clipTimer);
    this.stopFrameIds?.();
    this.stopClipThumbnails?.();
    this.stopShown?.();
    this.sound?.close();
    this.socket.close();
    this.closeConnections();
  }

  private closeConnections(): void {
    this.publisher?.close();
    this.watcher?.close();
    this.publisher = this.watcher = undefined;
    this.closeEarly();
  }

  private closeEarly(): void {
    this.early?.publisher?.close();
    this.early?.watcher?.close();
    this.early = undefined;
  }
}
