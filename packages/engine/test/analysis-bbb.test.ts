import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { VideoReader } from '@tooncast/media';
import { type AnalysisModels, FaceAnalysisStage } from '../src/analysis/stage.ts';
import { StageClock } from '../src/timing.ts';
import { fixture, openAnalysisModels } from './support.ts';

/**
 * Big Buck Bunny fixture (640×370, 24 fps, 480 frames). Frames 168–479: the bunny faces the camera under the tree;
 * a squirrel (another face) sits at the right edge (x ≈ 420–480) in much of it. Before 168 the bunny is seen from
 * behind, from the side or not at all, and three other characters open the clip.
 */
const FACING = { first: 168, last: 479 };
const CLICK = { timeSec: 12.5, point: [293, 250] as [number, number] };

let models: AnalysisModels;
let reader: VideoReader;
before(async () => {
  models = await openAnalysisModels();
  reader = await VideoReader.open(fixture('clips', 'bbb_slapstick.mp4'));
});

test('the bunny is followed on ≥ 90 % of the frames where it faces the camera, never the squirrel', async () => {
  const picked = await models.pick((await reader.frameAt(CLICK.timeSec)).image, CLICK);
  const stage = new FaceAnalysisStage(models, picked);
  const clock = new StageClock();
  let facing = 0;
  let found = 0;
  let tracked = 0;
  let trackedWithDetector = 0;
  for await (const f of reader.frames()) {
    const a = await stage.analyze(f.image, f.index, f.timeSec, clock);
    clock.take();
    if (a.state === 'tracking') {
      tracked++;
      if (a.detectorRan) trackedWithDetector++;
    }
    if (a.face) {
      const cx = a.face.box.x + a.face.box.w / 2;
      // The bunny's face stays left of x = 400 all clip long; the squirrel is right of it.
      assert.ok(cx < 400, `frame ${f.index}: tracked face at x=${cx.toFixed(0)} is not the bunny`);
    }
    if (f.index >= FACING.first && f.index <= FACING.last) {
      facing++;
      if (a.face) found++;
    }
  }
  assert.equal(facing, FACING.last - FACING.first + 1);
  assert.ok(found / facing >= 0.9, `bunny found on ${found}/${facing} facing frames`);
  // While tracking, the landmarks of one frame place the next: the detector is (almost) never needed.
  assert.ok(trackedWithDetector <= tracked * 0.05, `detector ran on ${trackedWithDetector}/${tracked} tracked frames`);
});
