import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { CONTOUR_THUMBNAIL, ContourFrame, createLogger, loadConfig } from '@tooncast/shared';
import { createClipRenderer, targetPointAt } from '@tooncast/synth';
import { lumaThumbnail } from '../src/contour-view.ts';
import { EngineProcessor, openEngineModels } from '../src/engine-processor.ts';
import { PORTRAIT, pillarbox } from './pillarbox.ts';

const config = loadConfig();

test('the debug view gets valid contour frames that sit on the target face in the clip picture, only while watched', async () => {
  const models = await openEngineModels(config);
  const selfie = await fs.readFile(path.join(config.fixturesDir, 'selfies/astronaut.png'));
  const renderer = createClipRenderer();
  const { width, height } = renderer.spec;
  const start = 24;
  const point = targetPointAt([renderer.render(start).truth], start);
  const processor = new EngineProcessor(
    models,
    createLogger('contour-view-test', 'warn'),
    { fusion: true },
    config.live.frameSize,
  );
  await processor.open(selfie, { x: point.x / width, y: point.y / height, timeSeconds: start / 24 });
  const frames: ContourFrame[] = [];
  for (let i = 0; i < 8; i++) {
    if (i === 2) processor.watchContours((f) => frames.push(f));
    if (i === 6) processor.watchContours(undefined);
    // A portrait clip's picture in the frame: the figure comes normalized on that picture, as the page shows it.
    const clip = renderer.render(start + i);
    const image = pillarbox(clip.image);
    const thumbnail = lumaThumbnail(image, PORTRAIT);
    await processor.process(image, { index: i, timeSec: i / 24, picture: PORTRAIT });
    if (i < 2 || i >= 6) continue;
    const frame = ContourFrame.parse(frames.at(-1));
    assert.equal(frame.frameIndex, i);
    assert.equal(frame.thumbnail, thumbnail, 'the thumbnail is of the analysed frame');
    assert.equal(Buffer.from(frame.thumbnail, 'base64').length, CONTOUR_THUMBNAIL.width * CONTOUR_THUMBNAIL.height);
    const organs = new Set(frame.lines.map((l) => l.organ));
    assert.deepEqual([...organs].sort(), ['brows', 'eyes', 'faceOval', 'irises', 'lipsInner', 'lipsOuter', 'nose']);
    const oval = frame.lines.find((l) => l.organ === 'faceOval')!.points;
    const truth = clip.truth.characters.find((c) => c.id === 'target')!.landmarks;
    // The face oval's box against the ground-truth landmarks' box (the oval spans the face).
    const centre = (v: number[]) => (Math.min(...v) + Math.max(...v)) / 2;
    const { x: px, width: pw } = PORTRAIT;
    const size = (Math.max(...truth.map(([x]) => x)) - Math.min(...truth.map(([x]) => x))) / pw;
    const dx = centre(oval.filter((_, k) => k % 2 === 0)) - centre(truth.map(([x]) => (x - px) / pw));
    const dy = centre(oval.filter((_, k) => k % 2 === 1)) - centre(truth.map(([, y]) => y / height));
    assert.ok(Math.hypot(dx, dy) < 0.1 * size, `frame ${i}: oval centre off by ${Math.hypot(dx, dy) / size} faces`);
  }
  assert.equal(frames.length, 4, 'figures only while the view is on');
});
