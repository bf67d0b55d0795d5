import type { ColorStats } from '../image/color.ts';
import { clampByte } from '../image/color.ts';

/**
 * A global colour correction in the opponent space of `colorStats` (L = (R+G+B)/3, A = R−G, B = (R+G)/2 − B):
 * luma scaled, the two chroma axes shifted. Meant for the low-frequency band only, so the face keeps its own
 * contrast and detail (matching the spread too is what washed faces out on a low-contrast character).
 */
export interface Harmony {
  lumaGain: number;
  shiftA: number;
  shiftB: number;
}

export const NO_HARMONY: Harmony = { lumaGain: 1, shiftA: 0, shiftB: 0 };

/**
 * The correction that moves the face's mean colour `strength` of the way to the character's: luma by a gain
 * bounded to [1/maxGain, maxGain], chroma by a shift bounded to ±maxShift.
 */
export function harmonyBetween(
  face: ColorStats,
  character: ColorStats,
  strength: number,
  maxGain = 1.25,
  maxShift = 40,
): Harmony {
  if (strength <= 0 || face.weight <= 0 || character.weight <= 0) return NO_HARMONY;
  const ratio = face.mean[0] > 1 ? (character.mean[0] / face.mean[0]) ** strength : 1;
  const bound = (v: number, m: number) => Math.min(m, Math.max(-m, v));
  return {
    lumaGain: Math.min(maxGain, Math.max(1 / maxGain, ratio)),
    shiftA: bound(strength * (character.mean[1] - face.mean[1]), maxShift),
    shiftB: bound(strength * (character.mean[2] - face.mean[2]), maxShift),
  };
}

/** Applies a harmony to interleaved RGB bytes in place. */
export function applyHarmony(data: Uint8Array, h: Harmony): void {
  if (h === NO_HARMONY) return;
  for (let i = 0; i < data.length; i += 3) {
    const r = data[i];
    const g = data[i + 1];
    const b = data[i + 2];
    const l = ((r + g + b) / 3) * h.lumaGain;
    const a = r - g + h.shiftA;
    const c = (r + g) / 2 - b + h.shiftB;
    const sum = 2 * l + (2 * c) / 3;
    data[i] = clampByte((sum + a) / 2);
    data[i + 1] = clampByte((sum - a) / 2);
    data[i + 2] = clampByte(l - (2 * c) / 3);
  }
}
