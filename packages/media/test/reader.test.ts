import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FFMPEG_PATH, probeVideo, VideoReader } from '../src/index.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tooncast-reader-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function ffmpeg(...args: string[]): string {
  const r = spawnSync(FFMPEG_PATH, ['-hide_banner', '-y', ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stderr;
}

/** Rejects if `promise` has not settled within `ms`: a regression fails instead of hanging the run. */
async function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

test('a rotated clip (a portrait phone recording) is probed and decoded upright', async () => {
  // Stored 64x32, black with a red top-left corner, tagged to be shown turned a quarter.
  const stored = path.join(dir, 'stored.mp4');
  const box = 'drawbox=x=0:y=0:w=8:h=8:color=red:t=fill';
  ffmpeg('-f', 'lavfi', '-i', 'color=c=black:s=64x32:r=10:d=0.3', '-vf', box, '-c:v', 'libx264', '-crf', '0', stored);
  const file = path.join(dir, 'rotated.mp4');
  ffmpeg('-loglevel', 'error', '-i', stored, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', file);
  const tag = /rotate\s*: (\d+)/.exec(ffmpeg('-i', file, '-f', 'null', '-'));
  assert.ok(tag && (tag[1] === '90' || tag[1] === '270'), 'the rotation tag survives the remux');

  assert.deepEqual(await probeVideo(file).then(({ width, height }) => ({ width, height })), { width: 32, height: 64 });
  const reader = await VideoReader.open(file);
  let n = 0;
  for await (const { image } of reader.frames()) {
    assert.equal(image.width, 32);
    assert.equal(image.height, 64);
    assert.equal(image.data.length, 32 * 64 * 3);
    // The tag turns the picture clockwise: 90° takes the top-left corner to the top right, 270° to the bottom left.
    const [x, y] = tag[1] === '90' ? [29, 2] : [2, 61];
    const i = (y * image.width + x) * 3;
    assert.ok(image.data[i] > 200 && image.data[i + 1] < 50, `red at ${x},${y}: ${image.data.subarray(i, i + 3)}`);
    n++;
  }
  assert.equal(n, 3);
});

test('a decoder killed by a signal fails the read instead of hanging it', async () => {
  // Ten seconds of small frames: a pipe holds a few, and the decoder is still running when the first one comes.
  const file = path.join(dir, 'long.mp4');
  ffmpeg('-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10', '-t', '10', '-c:v', 'libx264', file);
  const reader = await VideoReader.open(file);
  const read = async () => {
    let n = 0;
    for await (const _ of reader.frames()) {
      if (n++ === 0) {
        // The decoder is this process's only ffmpeg child now (the probe's has exited).
        const pid = execFileSync('pgrep', ['-P', String(process.pid), 'ffmpeg'], { encoding: 'utf8' }).trim();
        assert.match(pid, /^\d+$/);
        process.kill(Number(pid), 'SIGKILL');
        while (alive(Number(pid))) await sleep(10);
      }
      await sleep(5); // a consumer's work on the frame: ffmpeg's end is seen before the last frames are read
    }
    return n;
  };
  await assert.rejects(within(10_000, read()), /decoding .*long\.mp4 failed: killed by SIGKILL/);
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
