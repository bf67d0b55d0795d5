import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { analyzeSelfie, prepareSelfieFeatures, SelfieError, ToonPipeline } from '@tooncast/engine';
import { MediaError, readImage, VideoWriter } from '@tooncast/media';
import { ModelFileError } from '@tooncast/models';
import type { Config } from '@tooncast/shared';
import { openVideo, parseTarget, pickTargetInVideo } from '../analyze-video.ts';
import { DebugGrid } from '../debug-grid.ts';
import { CliError, EXIT } from '../errors.ts';
import { Progress } from '../progress.ts';
import { openPipelineModels } from '../runtime.ts';
import { summarize } from '../stats.ts';

export interface RenderArgs {
  video: string;
  face: string;
  target: string;
  out: string;
  fusion: boolean;
  debug: boolean;
}

/** `tooncast render`: the whole method offline — the character wears the selfie's face in OUT.mp4. */
export async function renderCommand(args: RenderArgs, config: Config): Promise<void> {
  const debugFile = args.out.replace(/(\.[^./]+)?$/, '.debug.mp4');
  for (const out of args.debug ? [args.out, debugFile] : [args.out]) {
    for (const input of [args.video, args.face]) {
      if (await sameFile(out, input)) throw new CliError(`${out} would overwrite the input ${input}`, EXIT.usage);
    }
  }
  const spec = parseTarget(args.target);
  const reader = await openVideo(args.video);
  const photo = await readImage(args.face).catch((e) => {
    throw e instanceof MediaError ? new CliError(`selfie: ${e.message}`, EXIT.badInput) : e;
  });
  const models = await openPipelineModels(config).catch((e) => {
    throw e instanceof ModelFileError ? new CliError(`model: ${e.message}`, EXIT.badInput) : e;
  });
  const selfie = await analyzeSelfie(models.analysis, photo).catch((e) => {
    throw e instanceof SelfieError ? new CliError(`selfie ${args.face}: ${e.message}`, EXIT.badInput) : e;
  });
  for (const w of selfie.warnings) process.stderr.write(`tooncast: selfie: ${w}\n`);
  const features = prepareSelfieFeatures(models.analysis.space, photo, selfie.landmarks);
  const target = await pickTargetInVideo(models.analysis, reader, spec);
  const pipeline = new ToonPipeline(models, features, target, { fusion: args.fusion, style: config.face });

  await mkdir(path.dirname(path.resolve(args.out)), { recursive: true });
  const { width, height, fps, durationSec, hasAudio } = reader.info;
  // Written under temporary names and renamed once complete: a failed or interrupted render leaves no half video
  // that looks finished, and a previous one stays.
  const partial = (file: string) => file.replace(/(\.[^./]+)?$/, '.partial$1');
  const audioFrom = hasAudio ? args.video : undefined;
  const writer = new VideoWriter(partial(args.out), { width, height, fps, audioFrom });
  const grid = args.debug ? new DebugGrid(width, height) : undefined;
  const debug = grid && new VideoWriter(partial(debugFile), { width: grid.width, height: grid.height, fps });
  const progress = new Progress('render', Math.round(durationSec * fps));
  const stageMs: Record<string, number[]> = {};
  const frameMs: number[] = [];
  let found = 0;
  let frames = 0;
  try {
    for await (const frame of reader.frames()) {
      const result = await pipeline.process(frame.image, frame.index, frame.timeSec);
      let total = 0;
      for (const [stage, ms] of Object.entries(result.times)) {
        (stageMs[stage] ??= []).push(ms);
        total += ms;
      }
      frameMs.push(total);
      frames++;
      if (result.face) found++;
      await writer.write(result.output);
      if (grid && debug) await debug.write(grid.compose(frame.image, result));
      progress.update(frames, result.analysis.state);
    }
    progress.done();
    await writer.close();
    await debug?.close();
  } catch (e) {
    for (const w of debug ? [writer, debug] : [writer]) {
      await w.abort();
      await rm(w.file, { force: true });
    }
    throw e;
  }
  await rename(writer.file, args.out);
  if (debug) await rename(debug.file, debugFile);
  const summary = {
    video: path.resolve(args.video),
    selfie: path.resolve(args.face),
    output: path.resolve(args.out),
    ...(debug && { debugVideo: path.resolve(debugFile) }),
    frames,
    faceReplacedOn: frames ? Math.round((found / frames) * 1000) / 1000 : 0,
    fusion: args.fusion,
    msPerFrame: summarize(frameMs),
    stageMs: Object.fromEntries(Object.entries(stageMs).map(([k, v]) => [k, summarize(v)])),
    audio: hasAudio ? 'kept' : 'none in the source',
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
}

/** Whether two paths name one file (through links or `..` too); false when either does not exist. */
async function sameFile(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([stat(a).catch(() => undefined), stat(b).catch(() => undefined)]);
  return x !== undefined && y !== undefined && x.dev === y.dev && x.ino === y.ino;
}
