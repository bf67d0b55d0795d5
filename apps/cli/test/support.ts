import { loadConfig } from '@tooncast/shared';
import type { FrameTruth } from '@tooncast/synth';

export const config = loadConfig();

/**
 * The user's click on an unlucky frame: among the synthetic clip's frames where the target is fully in view, the one
 * with its eyes most shut (frame 32: a blink, the head turned 26°).
 */
export function onBlink(truths: readonly FrameTruth[]): number {
  const shut = (f: FrameTruth) => {
    const c = f.characters.find((x) => x.id === 'target')!;
    return c.visible && c.occluded === 0 ? c.eyeOpenLeft + c.eyeOpenRight : Number.POSITIVE_INFINITY;
  };
  return truths.reduce((best, f) => (shut(f) < shut(best) ? f : best)).index;
}
