import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { before, test } from 'node:test';
import type { PipelineModels } from '@tooncast/engine';
import { createLogger, loadConfig, type RgbImage } from '@tooncast/shared';
import { type ClipFrame, createClipRenderer, targetPointAt } from '@tooncast/synth';
import { PNG } from 'pngjs';
import { EngineProcessor, openEngineModels } from '../src/engine-processor.ts';
import type { TargetPoint } from '../src/frame-processor.ts';
import { ThreadedEngine } from '../src/threaded-engine.ts';
import { PORTRAIT, pillarbox, wholeFrame } from './pillarbox.ts';

const config = loadConfig();
const log = createLogger('engine-processor-test', 'warn');
const renderer = createClipRenderer();
const { width, height } = renderer.spec;
/** The paused frame the owner clicks on: the character faces the camera there. */
const CLICKED = 24;
/** A frame where the character has walked off to the right: nobody stands at the clicked point. */
const MOVED_AWAY = 132;
/** A frame without the character (off screen). */
const WITHOUT_TARGET = 150;
let models: PipelineModels;
let selfie: Buffer;

before(async () => {
  models = await openEngineModels(config);
  selfie = await fs.readFile(path.join(config.fixturesDir, 'selfies/astronaut.png'));
});

const newProcessor = () => new EngineProcessor(models, log, { fusion: true }, config.live.frameSize);

function pngOf(image: RgbImage): Buffer {
  const png = new PNG({ width: image.width, height: image.height });
  for (let i = 0, j = 0; i < image.data.length; i += 3, j += 4) {
    png.data.set(image.data.subarray(i, i + 3), j);
    png.data[j + 3] = 255;
  }
  return PNG.sync.write(png);
}

/** The owner's click on the CLICKED frame, with that frame's bytes when the page sends them. */
function click(frame?: Uint8Array): TargetPoint {
  const point = targetPointAt([renderer.render(CLICKED).truth], CLICKED);
  return { x: point.x / width, y: point.y / height, timeSeconds: CLICKED / 24, frame };
}

/** Share of the character's face pixels (its ground-truth landmark box) the processor changed on `frame`. */
async function faceChanged(
  processor: EngineProcessor,
  frame: ClipFrame,
  index: number,
  picture = wholeFrame(frame.image),
): Promise<number> {
  const original = Uint8Array.from(frame.image.data);
  const out = await processor.process(frame.image, { index, timeSec: index / 24, picture });
  const target = frame.truth.characters.find((c) => c.id === 'target')!;
  const xs = target.landmarks.map(([x]) => x);
  const ys = target.landmarks.map(([, y]) => y);
  let changed = 0;
  let inside = 0;
  for (let y = Math.floor(Math.min(...ys)); y < Math.max(...ys); y++) {
    for (let x = Math.floor(Math.min(...xs)); x < Math.max(...xs); x++) {
      const k = (y * width + x) * 3;
      inside++;
      if (Math.abs(out.data[k] - original[k]) + Math.abs(out.data[k + 1] - original[k + 1]) > 30) changed++;
    }
  }
  return changed / inside;
}

test('a selfie without a face is refused with the engine’s reason', async () => {
  const png = new PNG({ width: 256, height: 256 });
  png.data.fill(128);
  await assert.rejects(newProcessor().open(PNG.sync.write(png), click()), (err: Error) => {
    assert.equal(err.name, 'SelfieError');
    assert.equal((err as Error & { problem: string }).problem, 'no-face');
    return true;
  });
});

test('without the clicked frame the engine picks the character on the first live frame', async () => {
  const processor = newProcessor();
  await processor.open(selfie, click());
  for (let i = 0; i < 3; i++) {
    const share = await faceChanged(processor, renderer.render(CLICKED + i), i);
    assert.ok(share > 0.2, `frame ${i}: only ${Math.round(share * 100)} % of the face pixels changed`);
  }
  // Where the character has moved away from the click, the live frames alone cannot find it.
  const late = newProcessor();
  await late.open(selfie, click());
  assert.ok((await faceChanged(late, renderer.render(MOVED_AWAY), 0)) < 0.05, 'nobody is picked at the click');
  await Promise.all([processor.close(), late.close()]);
});

test('with the clicked frame the character is picked before the stream flows and followed from the first frame', async () => {
  const processor = newProcessor();
  await processor.open(selfie, click(pngOf(renderer.render(CLICKED).image)));
  // The stream starts where the character has moved away from the clicked point: it is tracked, not picked.
  for (let i = 0; i < 3; i++) {
    const share = await faceChanged(processor, renderer.render(MOVED_AWAY + i), i);
    assert.ok(share > 0.2, `frame ${i}: only ${Math.round(share * 100)} % of the face pixels changed`);
  }
  await processor.close();
});

test('a clicked frame that does not show the character, or does not decode, leaves the pick to the live frames', async () => {
  for (const frame of [pngOf(renderer.render(WITHOUT_TARGET).image), Buffer.from('not a picture')]) {
    const processor = newProcessor();
    await processor.open(selfie, click(frame));
    const share = await faceChanged(processor, renderer.render(CLICKED), 0);
    assert.ok(share > 0.2, `only ${Math.round(share * 100)} % of the face pixels changed`);
    await processor.close();
  }
});

test('a portrait clip pillarboxed into the live frames: the click on its picture finds the character', async () => {
  const point = targetPointAt([renderer.render(CLICKED).truth], CLICKED);
  const { x, y, width: w, height: h } = PORTRAIT;
  const onPicture = { x: (point.x - x) / w, y: (point.y - y) / h, timeSeconds: CLICKED / 24 };
  // What the page sends: the clicked frame as the clip shows it (the portrait picture alone).
  const shown = renderer.render(CLICKED).image;
  const picture = { width: w, height: h, data: new Uint8Array(w * h * 3) };
  for (let row = 0; row < h; row++) {
    picture.data.set(shown.data.subarray(3 * (row * width + x), 3 * (row * width + x + w)), 3 * row * w);
  }
  for (const frame of [undefined, pngOf(picture)]) {
    const processor = newProcessor();
    await processor.open(selfie, { ...onPicture, frame });
    const live = renderer.render(CLICKED);
    const share = await faceChanged(processor, { ...live, image: pillarbox(live.image) }, 0, PORTRAIT);
    assert.ok(
      share > 0.2,
      `${frame ? 'clicked' : 'live'} frame: only ${Math.round(share * 100)} % of the face changed`,
    );
    await processor.close();
  }
});

test('a session closed while the engine thread opens it is gone once the open finishes', async () => {
  const engine = new ThreadedEngine();
  await engine.ready;
  try {
    const processor = engine.createProcessor();
    // Released during its start (the selfie is still being analysed): the close comes right after the open.
    const opening = processor.open(selfie, click());
    await processor.close();
    await opening;
    // The thread holds no such session any more (its selfie features with it): a frame for it fails.
    const frame = renderer.render(CLICKED).image;
    await assert.rejects(async () => processor.process(frame, { index: 0, timeSec: 0, picture: wholeFrame(frame) }));
  } finally {
    await engine.close();
  }
});
