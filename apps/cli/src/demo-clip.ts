import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { VideoWriter } from '@tooncast/media';
import { DEMO_CLIP_DIR, REPO_ROOT } from '@tooncast/shared';
import { type ClipSpec, DEMO_CLIP, type FrameTruth, renderClip, truthToJson } from '@tooncast/synth';

export interface ClipFiles {
  video: string;
  truth: string;
}

/**
 * Renders a synthetic clip to `dir/clip.mp4` with its ground truth in `dir/truth.json`. Written under temporary
 * names and renamed at the end, so an interrupted render never leaves a half clip that looks finished.
 */
export async function writeSyntheticClip(
  dir: string,
  spec: ClipSpec = DEMO_CLIP,
): Promise<ClipFiles & { truths: FrameTruth[] }> {
  await mkdir(dir, { recursive: true });
  const files = { video: path.join(dir, 'clip.mp4'), truth: path.join(dir, 'truth.json') };
  const tmpVideo = path.join(dir, 'clip.partial.mp4');
  const writer = new VideoWriter(tmpVideo, { width: spec.width, height: spec.height, fps: spec.fps, crf: 18 });
  const truths: FrameTruth[] = [];
  for (const f of renderClip(spec)) {
    truths.push(f.truth);
    await writer.write(f.image);
  }
  await writer.close();
  await writeFile(files.truth, truthToJson(truths, spec));
  await rename(tmpVideo, files.video);
  return { ...files, truths };
}

/** The demo clip, rendered on first use and again whenever the generator's sources change. */
export async function demoClip(): Promise<ClipFiles> {
  const files = { video: path.join(DEMO_CLIP_DIR, 'clip.mp4'), truth: path.join(DEMO_CLIP_DIR, 'truth.json') };
  const stampFile = path.join(DEMO_CLIP_DIR, 'stamp');
  const stamp = await generatorStamp();
  const current = existsSync(stampFile) ? await readFile(stampFile, 'utf8') : '';
  if (current === stamp && existsSync(files.video) && existsSync(files.truth)) return files;
  await writeSyntheticClip(DEMO_CLIP_DIR);
  await writeFile(stampFile, stamp);
  return files;
}

/** A hash of the synth package's sources: the demo clip is a pure function of them. */
async function generatorStamp(): Promise<string> {
  const dir = path.join(REPO_ROOT, 'packages', 'synth', 'src');
  const hash = createHash('sha256');
  for (const name of (await readdir(dir)).sort()) hash.update(name).update(await readFile(path.join(dir, name)));
  return hash.digest('hex');
}
