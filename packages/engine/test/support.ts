import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createSession } from '@tooncast/models';
import { loadConfig, type RgbImage } from '@tooncast/shared';
import { PNG } from 'pngjs';
import { AnalysisModels } from '../src/analysis/stage.ts';

export const config = loadConfig();
export const fixture = (...parts: string[]) => path.join(config.fixturesDir, ...parts);

/** Decodes a PNG fixture into the engine's RGB layout. */
export function loadPng(file: string): RgbImage {
  const png = PNG.sync.read(readFileSync(file));
  const data = new Uint8Array(png.width * png.height * 3);
  for (let i = 0, j = 0; i < png.data.length; i += 4, j += 3) data.set(png.data.subarray(i, i + 3), j);
  return { width: png.width, height: png.height, data };
}

/** The real step-1 models, opened as the CLI and the worker open them. */
export function openAnalysisModels(): Promise<AnalysisModels> {
  return AnalysisModels.open((name) => createSession(name, config), config.analysis);
}
