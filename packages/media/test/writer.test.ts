import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { VideoReader, VideoWriter } from '../src/index.ts';

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
