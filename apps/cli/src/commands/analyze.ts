import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { drawAnalysisOverlay, type TrackingState } from '@tooncast/engine';
import { VideoWriter } from '@tooncast/media';
import type { Config } from '@tooncast/shared';
import { analyzeVideo, openVideo, parseTarget, pickTargetInVideo } from '../analyze-video.ts';
import { Progress } from '../progress.ts';
import { analysisRecord } from '../records.ts';
import { openAnalysisModels } from '../runtime.ts';
import { summarize } from '../stats.ts';

export interface AnalyzeArgs {
  video: string;
  target: string;
  out: string;
  debugVideo: boolean;
}

/** `tooncast analyze`: per-frame JSON lines, a summary, and a debug video with the contour figures drawn. */
export async function analyzeCommand(args: AnalyzeArgs, config: Config): Promise<void> {
  const spec = parseTarget(args.target);
  const reader = await openVideo(args.video);
  const models = await openAnalysisModels(config);
  const target = await pickTargetInVideo(models, reader, spec);
  await mkdir(args.out, { recursive: true });
  const framesFile = path.join(args.out, 'frames.jsonl');
  const lines = createWriteStream(framesFile);
  const { width, height, fps, durationSec } = reader.info;
  const debugFile = path.join(args.out, 'contours.mp4');
  const debug = args.debugVideo ? new VideoWriter(debugFile, { width, height, fps }) : undefined;
  const progress = new Progress('analyze', Math.round(durationSec * fps));
  const states: Record<TrackingState, number> = { tracking: 0, held: 0, reacquired: 0, lost: 0 };
  const analysisMs: number[] = [];
  const decodeMs: number[] = [];
  await analyzeVideo(models, reader, target, async ({ frame, analysis, times }) => {
    states[analysis.state]++;
    decodeMs.push(times.decode);
    analysisMs.push(Object.entries(times).reduce((s, [k, v]) => (k === 'decode' ? s : s + v), 0));
    if (!lines.write(`${JSON.stringify(analysisRecord(analysis))}\n`))
      await new Promise<void>((r) => lines.once('drain', () => r()));
    if (debug) await debug.write(drawAnalysisOverlay(frame.image, analysis));
    progress.update(frame.index + 1, analysis.state);
  });
  progress.done();
  await new Promise<void>((resolve, reject) => lines.end((e?: Error | null) => (e ? reject(e) : resolve())));
  await debug?.close();
  const frames = states.tracking + states.reacquired + states.lost;
  const summary = {
    video: path.resolve(args.video),
    size: `${width}x${height}`,
    fps,
    frames,
    target: { spec: args.target, box: target.box },
    states,
    foundRatio: frames ? (states.tracking + states.reacquired) / frames : 0,
    analysisMs: summarize(analysisMs),
    decodeMs: summarize(decodeMs),
    outputs: { frames: framesFile, ...(debug && { debugVideo: debugFile }) },
  };
  await writeFile(path.join(args.out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
}
