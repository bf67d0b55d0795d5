import path from 'node:path';
import { type AnalysisModels, type Box, FaceAnalysisStage, type FrameAnalysis, StageClock } from '@tooncast/engine';
import { VideoReader } from '@tooncast/media';

/**
 * Facts about the Big Buck Bunny fixture (640×370, 24 fps, 480 frames), read off the clip by eye. Frames 168–479:
 * the bunny faces the camera under the tree; a squirrel (another face) sits at the right edge (x ≈ 420–480) in much
 * of it. Before 168 the bunny is seen from behind, from the side or not at all, and three other characters open it.
 */
export const BBB = {
  file: (fixturesDir: string) => path.join(fixturesDir, 'clips', 'bbb_slapstick.mp4'),
  facing: { first: 168, last: 479 },
  click: { timeSec: 12.5, point: [293, 250] as [number, number] },
  /** The bunny's face never reaches this x; any tracked face right of it is another character. */
  bunnyMaxX: 400,
} as const;

/** Width change of the bunny's landmark box between consecutive frames that counts as a jump. */
const RESIZE_TOLERANCE = 0.1;

export interface BbbScore {
  facingFrames: string;
  detectionRate: number;
  /** Frames whose tracked face was right of where the bunny ever is (another character). */
  otherCharacterTaken: number;
  /** Frames FaceMesh doubted and the tracker held (see TargetTracker.holds). */
  heldFrames: number;
  /**
   * Frames where the detector re-found the bunny followed the frame before and its landmark box changed width by
   * more than RESIZE_TOLERANCE: the new face would swell or shrink at once.
   */
  resizedOnRedetection: number;
  /** Tracked frames on which the detector still had to run. */
  detectorOnTrackedFrames: number;
  trackedFrames: number;
}

/** Step 1 on the fixture with the bunny clicked, scored on the frames where it faces the camera. */
export async function scoreBbb(
  models: AnalysisModels,
  fixturesDir: string,
  onFrame?: (a: FrameAnalysis, ms: number, cpuMs: number) => void,
): Promise<BbbScore> {
  const reader = await VideoReader.open(BBB.file(fixturesDir));
  const picked = await models.pick((await reader.frameAt(BBB.click.timeSec)).image, BBB.click);
  const stage = new FaceAnalysisStage(models, picked);
  const clock = new StageClock();
  let facing = 0;
  let found = 0;
  let other = 0;
  let tracked = 0;
  let detectorOnTracked = 0;
  let held = 0;
  let resized = 0;
  let previous: Box | undefined;
  for await (const f of reader.frames()) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const a = await stage.analyze(f.image, f.index, f.timeSec, clock);
    const cpu = process.cpuUsage(c0);
    onFrame?.(a, performance.now() - t0, (cpu.user + cpu.system) / 1000);
    clock.take();
    if (a.face && a.face.box.x + a.face.box.w / 2 >= BBB.bunnyMaxX) other++;
    if (a.state === 'held') held++;
    if (a.face && previous && a.detectorRan && Math.abs(a.face.box.w / previous.w - 1) > RESIZE_TOLERANCE) resized++;
    previous = a.face?.box;
    if (a.state === 'tracking') {
      tracked++;
      if (a.detectorRan) detectorOnTracked++;
    }
    if (f.index >= BBB.facing.first && f.index <= BBB.facing.last) {
      facing++;
      if (a.face) found++;
    }
  }
  return {
    facingFrames: `${BBB.facing.first}-${BBB.facing.last} (${facing})`,
    detectionRate: facing ? found / facing : 0,
    otherCharacterTaken: other,
    heldFrames: held,
    resizedOnRedetection: resized,
    detectorOnTrackedFrames: detectorOnTracked,
    trackedFrames: tracked,
  };
}
