import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { before, test } from 'node:test';
import type { PipelineModels } from '@tooncast/engine';
import { createLogger, loadConfig } from '@tooncast/shared';
import { createClipRenderer, targetPointAt } from '@tooncast/synth';
import { PNG } from 'pngjs';
import { EngineProcessor, openEngineModels } from '../src/engine-processor.ts';

const config = loadConfig();
const log = createLogger('engine-processor-test', 'warn');
let models: PipelineModels;

before(async () => {
  models = await openEngineModels(config);
});

test('a selfie without a face is refused with the engine’s reason', async () => {
  const png = new PNG({ width: 256, height: 256 });
  png.data.fill(128);
  const processor = new EngineProcessor(models, log);
  await assert.rejects(processor.open(PNG.sync.write(png), { x: 0.5, y: 0.5, timeSeconds: 0 }), (err: Error) => {
    assert.equal(err.name, 'SelfieError');
    assert.equal((err as Error & { problem: string }).problem, 'no-face');
    return true;
  });
});

test('the engine picks the clicked character on the first live frame and replaces its face', async () => {
  const selfie = await fs.readFile(path.join(config.fixturesDir, 'selfies/astronaut.png'));
  const renderer = createClipRenderer();
  const start = 24;
  const first = renderer.render(start);
  const point = targetPointAt([first.truth], start);
  const { width, height } = renderer.spec;
  const processor = new EngineProcessor(models, log);
  await processor.open(selfie, { x: point.x / width, y: point.y / height, timeSeconds: start / 24 });
  const target = first.truth.characters.find((c) => c.id === 'target')!;
  const xs = target.landmarks.map(([x]) => x);
  const ys = target.landmarks.map(([, y]) => y);
  for (let i = 0; i < 3; i++) {
    const frame = i === 0 ? first : renderer.render(start + i);
    const original = Uint8Array.from(frame.image.data);
    const out = await processor.process(frame.image, { index: i, timeSec: i / 24 });
    let changed = 0;
    let inside = 0;
    for (let y = Math.floor(Math.min(...ys)); y < Math.max(...ys); y++) {
      for (let x = Math.floor(Math.min(...xs)); x < Math.max(...xs); x++) {
        const k = (y * width + x) * 3;
        inside++;
        if (Math.abs(out.data[k] - original[k]) + Math.abs(out.data[k + 1] - original[k + 1]) > 30) changed++;
      }
    }
    assert.ok(changed > inside * 0.2, `frame ${i}: only ${changed} of ${inside} face pixels changed`);
  }
  await processor.close();
});
