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

/**
 * Times at which a live worker gets a published clip's frames: each frame's own time moved by the capture-time
 * offsets the owner-page test measured (ms; after a late frame the next ones come 8–16 ms apart instead of 42), kept
 * increasing. Call with each frame's own time and its place in the sequence.
 */
export function capturedTimes(): (frameSec: number, k: number) => number {
  const OFF_MS = [-44, -3, -4, 36, -1, 5, 36, 42, 0, 36, 36, 9, -1, 44, 50, 40, 11, -3, 13, 4, -22, 0, 1, -2, -36];
  let last = Number.NEGATIVE_INFINITY;
  return (frameSec, k) => {
    last = Math.max(last + 0.002, frameSec + OFF_MS[k % OFF_MS.length] / 1000);
    return last;
  };
}
