import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExpressionMapper, MOUTH_GAIN, RestingMouth } from '../src/generation/index.ts';
import { createFaceSpace, syntheticLandmarks } from '../src/image/index.ts';
import { loadFaceTopology } from '../src/topology.ts';

const topology = await loadFaceTopology();
const space = createFaceSpace(topology, 192);
const a = topology.annotations;
const closed = syntheticLandmarks(space);
const mapper = new ExpressionMapper(space);

/** The synthetic face with its lower lip `px` further down: a mouth open by that much. */
function opened(px: number): Float32Array {
  const out = closed.slice();
  const lower = new Set([
    ...a.lipsLowerInner.slice(1, -1),
    ...a.lipsLowerOuter.slice(1, -1),
    ...a.lipsLowerSemiInner,
    ...a.lipsLowerSemiOuter,
  ]);
  for (const i of lower) out[3 * i + 1] += px;
  return out;
}

/** A talking character: the mouth opens 0–20 px with a syllable every 6 frames, closing between syllables. */
const talking = (i: number) => opened(Math.max(0, 20 * Math.sin((Math.PI * (i % 6)) / 5)));

test('a picked frame that caught the mouth open: the rest gap comes down to the closed mouth seen since', () => {
  const resting = new RestingMouth(mapper, opened(12));
  const picked = resting.gap;
  assert.ok(picked > mapper.mouthGap(closed) + 0.05, 'the picked frame reads open');
  for (let i = 0; i < 20; i++) resting.observe(talking(i));
  assert.equal(resting.gap, picked, 'a few frames do not yet outvote the picked frame');
  for (let i = 20; i < 48; i++) resting.observe(talking(i));
  assert.ok(Math.abs(resting.gap - mapper.mouthGap(closed)) < 0.01, `rest gap ${resting.gap} is the closed mouth's`);
  // Read against the rest gap, the open syllable maps open again (against the picked frame it read barely open).
  const syllable = opened(20);
  const againstPicked = mapper.read(syllable, opened(12)).mouthOpen;
  const againstRest = mapper.read(syllable, opened(12), resting.gap).mouthOpen;
  assert.ok(againstRest > againstPicked + MOUTH_GAIN * 0.05, `mouth ${againstPicked} → ${againstRest}`);
  assert.equal(mapper.read(closed, opened(12), resting.gap).mouthOpen, 0, 'a closed mouth maps closed');
});

test('a picked frame with the mouth at rest keeps its gap, whatever the character says later', () => {
  const resting = new RestingMouth(mapper, closed);
  for (let i = 0; i < 300; i++) resting.observe(opened(10 + (i % 5)));
  assert.equal(resting.gap, mapper.mouthGap(closed), 'a character always talking does not raise the rest gap');
});
