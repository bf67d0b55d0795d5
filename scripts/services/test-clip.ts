import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ffmpeg from '@ffmpeg-installer/ffmpeg';
import { BARCODE_BAND, BARCODE_CELLS, barcodeCellWhite, readBarcodeRow } from '@tooncast/shared/frame-barcode';

export interface TestClipOptions {
  width: number;
  height: number;
  fps: number;
  seconds: number;
  /** Every this many seconds FLASH_PATCH flashes white and the audio clicks, for the A/V sync benchmark. */
  markerEverySeconds: number;
}

/**
 * Where the marker flashes, normalized [x0, y0, x1, y1]: a square left of where the clips' target characters go.
 * Not the whole frame: after a full white frame the publisher's encoder dropped frames (~200 ms each marker),
 * so the instrument itself made the stream stutter.
 */
export const FLASH_PATCH = [0.04, 0.12, 0.19, 0.39] as const;

export const DEFAULT_TEST_CLIP: TestClipOptions = {
  width: 640,
  height: 360,
  fps: 24,
  seconds: 20,
  markerEverySeconds: 2,
};

/** The default scene's face centre at t = 1 s (frame 24), normalized, where a test clicks the character. */
export const TEST_CLIP_FACE = { x: 0.5 + 0.25 * Math.sin(24 / 30), y: 0.58, t: 1 };

/** Frame number carried by the barcode of frame `index`; the flash frames are multiples of the marker period. */
export function isMarkerFrame(index: number, o: TestClipOptions): boolean {
  return o.markerEverySeconds > 0 && index % Math.round(o.markerEverySeconds * o.fps) === 0;
}

/** Paints the picture of frame `index` (the barcode band is drawn over it afterwards). */
export type SceneSource = (index: number, rgb: Uint8Array) => void;

/** Draws test-clip frame `index` into `rgb` (width*height*3): the scene, a flash on marker frames, the barcode. */
export function drawFrame(index: number, o: TestClipOptions, rgb: Uint8Array, scene?: SceneSource): void {
  const { width, height } = o;
  if (scene) {
    scene(index, rgb);
  } else {
    // A cartoon-ish scene: a sky whose shade drifts, and a round face with eyes and mouth drifting sideways.
    for (let y = 0; y < height; y++) {
      const row = y * width * 3;
      const shade = (y + index) % 60;
      for (let x = 0; x < width; x++) rgb.set([60 + shade, 110 + Math.round((y / height) * 80), 200], row + x * 3);
    }
    const cx = Math.round(width * (0.5 + 0.25 * Math.sin(index / 30)));
    const cy = Math.round(height * 0.58);
    const r = Math.round(height * 0.2);
    const inside = (x: number, y: number, ex: number, ey: number, er: number) =>
      (x - ex) ** 2 + (y - ey) ** 2 < er * er;
    for (let y = cy - r; y < cy + r; y++) {
      for (let x = Math.max(0, cx - r); x < Math.min(width, cx + r); x++) {
        if (!inside(x, y, cx, cy, r)) continue;
        const eye =
          inside(x, y, cx - r * 0.35, cy - r * 0.2, r * 0.1) || inside(x, y, cx + r * 0.35, cy - r * 0.2, r * 0.1);
        const mouth = Math.abs(y - cy - r * 0.35) < r * 0.05 && Math.abs(x - cx) < r * 0.4;
        rgb.set(eye || mouth ? [30, 20, 20] : [250, 200, 120], (y * width + x) * 3);
      }
    }
  }
  if (isMarkerFrame(index, o)) {
    const [x0, y0, x1, y1] = FLASH_PATCH.map((v, i) => Math.round(v * (i % 2 ? height : width)));
    for (let y = y0; y < y1; y++) rgb.fill(250, (y * width + x0) * 3, (y * width + x1) * 3);
  }
  const band = Math.round(height * BARCODE_BAND);
  const cell = width / BARCODE_CELLS;
  for (let c = 0; c < BARCODE_CELLS; c++) {
    const v = barcodeCellWhite(index, c) ? 255 : 0;
    for (let y = 0; y < band; y++)
      rgb.fill(v, (y * width + Math.floor(c * cell)) * 3, (y * width + Math.floor((c + 1) * cell)) * 3);
  }
}

/** Reads the frame id from an RGB frame of the test clip, or undefined when the band is not a valid barcode. */
export function readBarcode(rgb: Uint8Array, width: number, height: number): number | undefined {
  const y = Math.floor((height * BARCODE_BAND) / 2);
  return readBarcodeRow(rgb.subarray(y * width * 3, (y + 1) * width * 3), width, 3);
}

/** Mono 48 kHz PCM: silence with a 10 ms 1 kHz click at every marker. */
function markerAudio(o: TestClipOptions): Buffer {
  const rate = 48_000;
  const samples = Math.round(o.seconds * rate);
  const pcm = Buffer.alloc(samples * 2);
  for (let t = 0; o.markerEverySeconds > 0 && t < o.seconds; t += o.markerEverySeconds) {
    const start = Math.round(t * rate);
    for (let n = 0; n < rate / 100 && start + n < samples; n++) {
      pcm.writeInt16LE(Math.round(20_000 * Math.sin((2 * Math.PI * 1000 * n) / rate)), (start + n) * 2);
    }
  }
  return pcm;
}

function run(args: string[], input?: (stdin: NodeJS.WritableStream) => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg.path, ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg failed: ${stderr}`))));
    if (input) input(child.stdin).then(() => child.stdin.end(), reject);
  });
}

/**
 * Writes a WebM (VP8 + Opus) test clip: every frame carries its index as a barcode, and every
 * `markerEverySeconds` a white flash (FLASH_PATCH) coincides with an audio click.
 */
export async function writeTestClip(
  file: string,
  o: TestClipOptions = DEFAULT_TEST_CLIP,
  scene?: SceneSource,
): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tooncast-clip-'));
  const wav = path.join(dir, 'audio.raw');
  await fs.writeFile(wav, markerAudio(o));
  const frames = Math.round(o.seconds * o.fps);
  const rgb = new Uint8Array(o.width * o.height * 3);
  // biome-ignore format: option pairs
  await run([
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${o.width}x${o.height}`, '-r', String(o.fps), '-i', 'pipe:0',
    '-f', 's16le', '-ar', '48000', '-ac', '1', '-i', wav,
    '-c:v', 'libvpx', '-b:v', '2M', '-g', String(o.fps), '-deadline', 'realtime', '-cpu-used', '8',
    '-c:a', 'libopus', '-b:a', '64k', '-shortest', file,
  ], async (stdin) => {
    for (let i = 0; i < frames; i++) {
      drawFrame(i, o, rgb, scene);
      if (!stdin.write(Buffer.from(rgb))) await new Promise((r) => stdin.once('drain', r));
    }
  });
  await fs.rm(dir, { recursive: true, force: true });
  return file;
}
