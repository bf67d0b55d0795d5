/** The picture's delay assumed until the page has measured it, ms: about the service's latency on a LAN. */
const FIRST_PICTURE_DELAY_MS = 200;
/**
 * How much longer the sound's own path on the page takes than the picture's last steps, ms: the clip's capture,
 * Web Audio and the track the <video> plays each buffer the sound. Without it the sound came 80 ms after the picture
 * (median over the live bench's markers, both workers).
 */
const SOUND_PATH_MS = 50;
/** The longest delay the sound can take, s (see VideoDelayEstimator's window). */
const MAX_DELAY_S = 2;
/** Time constant of a change of delay, s: a short glide is heard as a slight pitch bend, a jump as a click. */
const GLIDE_S = 0.2;
/** Events that count as the user's gesture, which lets a page's audio start. */
const GESTURES = ['pointerdown', 'keydown'];

/**
 * The clip's sound as the owner hears it: the page's own capture of the clip, delayed by as much as the personalized
 * picture trails the clip, as a track the personalized <video> plays beside the picture. The sound that made the
 * round trip through the worker would do too, but the browser's A/V sync would hold the picture for that sound's
 * jitter buffer: 40–80 ms more glass-to-glass on the owner's page (live bench, both workers).
 */
export class DelayedClipSound {
  private readonly ctx = new AudioContext();
  private readonly delay = new DelayNode(this.ctx, {
    maxDelayTime: MAX_DELAY_S,
    delayTime: soundDelayS(FIRST_PICTURE_DELAY_MS),
  });
  private source?: MediaStreamAudioSourceNode;
  readonly track: MediaStreamTrack;

  constructor() {
    const output = new MediaStreamAudioDestinationNode(this.ctx);
    this.delay.connect(output);
    this.track = output.stream.getAudioTracks()[0];
    this.resume();
    for (const event of GESTURES) document.addEventListener(event, this.resume, { capture: true });
  }

  /**
   * A page reloaded into its session has not been touched yet, so its audio stays suspended until it is (the
   * personalized video's "Tap for sound").
   */
  private readonly resume = () => {
    if (this.ctx.state === 'suspended') void this.ctx.resume();
  };

  /** Plays `clipTrack` from now on (a new capture after a publish again); undefined: silence. */
  from(clipTrack: MediaStreamTrack | undefined): void {
    this.source?.disconnect();
    this.source = clipTrack && new MediaStreamAudioSourceNode(this.ctx, { mediaStream: new MediaStream([clipTrack]) });
    this.source?.connect(this.delay);
  }

  /** Delays the sound to match a picture `pictureMs` behind the clip. */
  matchPicture(pictureMs: number): void {
    this.delay.delayTime.setTargetAtTime(soundDelayS(pictureMs), this.ctx.currentTime, GLIDE_S);
  }

  close(): void {
    for (const event of GESTURES) document.removeEventListener(event, this.resume, { capture: true });
    this.source?.disconnect();
    void this.ctx.close();
  }
}

/** The sound's delay, s, for a picture `pictureMs` behind the clip. */
function soundDelayS(pictureMs: number): number {
  return Math.max(0, Math.min((pictureMs - SOUND_PATH_MS) / 1000, MAX_DELAY_S));
}
