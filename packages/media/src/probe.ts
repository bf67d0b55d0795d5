import { spawn } from 'node:child_process';
import { access, constants, stat } from 'node:fs/promises';
import { FFMPEG_PATH, MediaError } from './ffmpeg.ts';

export interface VideoInfo {
  width: number;
  height: number;
  fps: number;
  /** Seconds; 0 when the container does not say. */
  durationSec: number;
  hasAudio: boolean;
}

/** Largest side the product accepts: beyond it decode and analysis cost more than a live frame budget allows. */
export const MAX_VIDEO_SIDE = 4096;

/**
 * Reads a video's stream facts from `ffmpeg -i` (the npm package ships no ffprobe). Every failure is a MediaError
 * with a one-line reason a user can act on.
 */
export async function probeVideo(file: string): Promise<VideoInfo> {
  const { width, height, text } = await streamSize(file, 'video file');
  if (width > MAX_VIDEO_SIDE || height > MAX_VIDEO_SIDE) {
    throw new MediaError(`${file} is ${width}x${height}; the largest side may be ${MAX_VIDEO_SIDE} px`);
  }
  const stream = text.split('\n')[0];
  const fpsMatch = /(\d+(?:\.\d+)?) fps/.exec(stream) ?? /(\d+(?:\.\d+)?) tbr/.exec(stream);
  const fps = fpsMatch ? Number(fpsMatch[1]) : 0;
  if (!(fps > 0)) throw new MediaError(`${file} does not state a frame rate`);
  const dur = /Duration: (\d+):(\d+):(\d+(?:\.\d+)?)/.exec(text);
  const durationSec = dur ? Number(dur[1]) * 3600 + Number(dur[2]) * 60 + Number(dur[3]) : 0;
  return { width, height, fps, durationSec, hasAudio: /Stream #\S+.*?: Audio:/.test(text) };
}

/** What ffmpeg says about a file's first video stream (a photo is a one-frame video to it). */
export async function streamSize(file: string, what: string): Promise<{ width: number; height: number; text: string }> {
  try {
    await access(file, constants.R_OK);
  } catch {
    throw new MediaError(`cannot read ${file}: no such file or no permission`);
  }
  if (!(await stat(file)).isFile()) throw new MediaError(`${file} is not a file`);
  const text = await ffmpegBanner(file);
  if (/Invalid data found|could not find codec parameters|moov atom not found/i.test(text)) {
    throw new MediaError(`${file} is not a readable ${what}`);
  }
  const m = /Stream #\S+.*?: Video: .*?, (\d{1,5})x(\d{1,5})[ ,[].*/.exec(text);
  if (!m) throw new MediaError(`${file} has no ${what === 'video file' ? 'video stream' : 'picture'}`);
  const [width, height] = [Number(m[1]), Number(m[2])];
  // ffmpeg decodes a stream turned by 90° or 270° (a portrait phone clip) upright, so with the stored sides swapped.
  const turn = (((rotation(text.slice(m.index + m[0].length)) % 360) + 360) % 360) % 180;
  const quarterTurn = Math.abs(turn - 90) < 1;
  return { ...(quarterTurn ? { width: height, height: width } : { width, height }), text: m[0] + text };
}

/** Degrees a stream's rotation turns it, from the banner lines under its "Stream #" line. */
function rotation(rest: string): number {
  const lines = rest.split(/\n\s*Stream #/)[0];
  const r = /displaymatrix: rotation of (-?\d+(?:\.\d+)?) degrees/.exec(lines) ?? /rotate\s*: (-?\d+)/.exec(lines);
  return r ? Number(r[1]) : 0;
}

function ffmpegBanner(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(FFMPEG_PATH, ['-hide_banner', '-i', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    p.on('error', (e) => reject(new MediaError(`cannot run ffmpeg: ${e.message}`)));
    // ffmpeg exits 1 here ("At least one output file must be specified"); the banner is what we want.
    p.on('close', () => resolve(err));
  });
}
