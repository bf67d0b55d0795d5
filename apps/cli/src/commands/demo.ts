import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type Config, REPO_ROOT } from '@tooncast/shared';
import type { FrameTruth } from '@tooncast/synth';
import { targetPointAt } from '@tooncast/synth';
import { demoClip } from '../demo-clip.ts';
import { pickFrame } from '../eval/synthetic.ts';
import { analyzeCommand } from './analyze.ts';

/** `tooncast demo`: the built-in synthetic cartoon, its main character clicked, analysed end to end. */
export async function demoCommand(config: Config): Promise<void> {
  const clip = await demoClip();
  const truth = JSON.parse(await readFile(clip.truth, 'utf8')) as { spec: { fps: number }; frames: FrameTruth[] };
  const index = pickFrame(truth.frames);
  const { x, y } = targetPointAt(truth.frames, index);
  const target = `${(index / truth.spec.fps).toFixed(3)},${x.toFixed(0)},${y.toFixed(0)}`;
  const out = path.join(REPO_ROOT, 'out', 'demo');
  process.stderr.write(`demo: built-in clip ${clip.video}, character clicked at ${target}\n`);
  await analyzeCommand({ video: clip.video, target, out, debugVideo: true }, config);
  process.stderr.write(
    `demo: per-frame analysis in ${out}/frames.jsonl, contour figures drawn in ${out}/contours.mp4\n`,
  );
}
