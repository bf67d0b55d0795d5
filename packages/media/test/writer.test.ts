import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { FFMPEG_PATH, probeVideo, VideoReader, VideoWriter } from '../src/index.ts';

test('frames smaller than the pipe’s buffer are encoded as they were when written, though the caller reuses them', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tooncast-writer-'));
  try {
    const [width, height, frames] = [32, 24, 240];
    const file = path.join(dir, 'small.mp4');
    const writer = new VideoWriter(file, { width, height, fps: 24, crf: 0 });
    // One buffer for every frame, as a pipeline reuses its output; each frame one grey level.
    const frame = { width, height, data: new Uint8Array(width * height * 3) };
    const level = (i: number) => 16 + ((i * 37) % 220);
    for (let i = 0; i < frames; i++) {
      frame.data.fill(level(i));
      await writer.write(frame);
    }
    assert.equal(await writer.close(), frames);
    const wrong: string[] = [];
    for await (const f of (await VideoReader.open(file)).frames()) {
      const mean = f.image.data.reduce((s, v) => s + v, 0) / f.image.data.length;
      if (Math.abs(mean - level(f.index)) > 2) wrong.push(`${f.index}: ${mean.toFixed(0)} not ${level(f.index)}`);
    }
    assert.deepEqual(wrong, []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('audio shorter than the frames is padded: every frame is kept', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tooncast-writer-'));
  try {
    const source = path.join(dir, 'source.mp4');
    const r = spawnSync(FFMPEG_PATH, [
      ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'sine=duration=1'],
      ...['-f', 'lavfi', '-i', 'color=s=32x24:r=10:d=1', '-c:v', 'libx264', '-c:a', 'aac', source],
    ]);
    assert.equal(r.status, 0, r.stderr.toString());
    const file = path.join(dir, 'out.mp4');
    const writer = new VideoWriter(file, { width: 32, height: 24, fps: 10, audioFrom: source });
    const frame = { width: 32, height: 24, data: new Uint8Array(32 * 24 * 3).fill(128) };
    for (let i = 0; i < 30; i++) await writer.write(frame);
    assert.equal(await writer.close(), 30);
    const info = await probeVideo(file);
    assert.ok(info.hasAudio);
    assert.ok(Math.abs(info.durationSec - 3) < 0.2, `${info.durationSec} s`);
    let n = 0;
    for await (const _ of (await VideoReader.open(file)).frames()) n++;
    assert.equal(n, 30);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('close() after the encoder died rejects instead of waiting for good', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tooncast-writer-'));
  try {
    const writer = new VideoWriter(path.join(dir, 'out.mp4'), { width: 32, height: 24, fps: 10 });
    const frame = { width: 32, height: 24, data: new Uint8Array(32 * 24 * 3) };
    await writer.write(frame);
    // The encoder is this process's only ffmpeg child.
    const pid = execFileSync('pgrep', ['-P', String(process.pid), 'ffmpeg'], { encoding: 'utf8' }).trim();
    process.kill(Number(pid), 'SIGKILL');
    // Writes go on until one finds the encoder gone (it waits for its end to say why); a caller then closes.
    await assert.rejects(async () => {
      for (let i = 0; i < 1000; i++) await writer.write(frame);
    }, /killed by SIGKILL/);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise((resolve) => {
      timer = setTimeout(resolve, 5000, 'still pending after 5 s');
    });
    const closed = writer.close().then(
      () => 'resolved',
      (e: Error) => e.message,
    );
    const outcome = await Promise.race([closed, late]);
    clearTimeout(timer);
    assert.match(String(outcome), /encoding .*out\.mp4 failed: killed by SIGKILL/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
