/**
 * The clip script: where each character is, how its head is turned and what its face does at time t. Written for a
 * 10-second clip on a unit timeline (τ = t / duration), so other durations stretch it; seeded jitter varies syllables
 * and blink times between seeds.
 */
import type { CharacterLook, CharacterState } from './character.ts';
import { between, createRandom } from './random.ts';

export type CharacterId = 'target' | 'distractor';

export const TARGET_LOOK: CharacterLook = {
  skin: [240, 196, 160],
  hair: [92, 56, 34],
  brows: [66, 40, 26],
  lips: [194, 88, 92],
  iris: [70, 120, 190],
  shirt: [58, 126, 200],
  hairVolume: 1.05,
  hairLength: 0.2,
};

export const DISTRACTOR_LOOK: CharacterLook = {
  skin: [168, 112, 78],
  hair: [236, 170, 60],
  brows: [120, 70, 30],
  lips: [150, 66, 64],
  iris: [70, 140, 80],
  shirt: [210, 70, 90],
  hairVolume: 1.16,
  hairLength: 0.9,
};

/** Scripted events on the unit timeline (fractions of the clip), exported so tests can check the truth against them. */
export const SCRIPT = {
  /** The ball crosses in front of the target's lower face. */
  occlusion: { start: 0.38, end: 0.48 },
  /** The target walks out of the right edge, stays away, and walks back in. */
  exit: { start: 0.49, gone: 0.62 },
  reentry: { start: 0.72, back: 0.84 },
  /** The distractor comes closest to the target here. */
  closeApproach: 0.3,
} as const;

interface Pulse {
  at: number; // seconds
  len: number;
  amp: number;
}

export interface ScriptPlan {
  duration: number;
  syllables: Record<CharacterId, Pulse[]>;
  blinks: Record<CharacterId, Pulse[]>;
  browRaises: Pulse[];
}

function speech(rand: () => number, duration: number, pauses: [number, number][]): Pulse[] {
  const out: Pulse[] = [];
  for (let t = 0.2; t < duration - 0.3; ) {
    const len = between(rand, 0.22, 0.5) * (duration / 10);
    const tau = t / duration;
    if (!pauses.some(([a, b]) => tau >= a && tau < b)) out.push({ at: t, len, amp: between(rand, 0.3, 1) });
    t += len + between(rand, 0.05, 0.35) * (duration / 10);
  }
  return out;
}

export function planScript(durationSec: number, seed: number): ScriptPlan {
  const rand = createRandom(seed);
  const s = durationSec / 10;
  const jitter = () => between(rand, -0.15, 0.15) * s;
  const blink = (taus: number[]) => taus.map((tau) => ({ at: tau * durationSec + jitter(), len: 0.22 * s, amp: 1 }));
  return {
    duration: durationSec,
    syllables: {
      target: speech(rand, durationSec, [
        [0.17, 0.24],
        [0.62, 0.72],
      ]),
      distractor: speech(rand, durationSec, [
        [0.0, 0.35],
        [0.8, 1.0],
      ]),
    },
    blinks: { target: blink([0.13, 0.34, 0.47, 0.79, 0.92]), distractor: blink([0.2, 0.55, 0.85]) },
    browRaises: [
      { at: 2.1 * s, len: 0.9 * s, amp: 1 },
      { at: 8.3 * s, len: 0.9 * s, amp: 0.8 },
    ],
  };
}

/** Smooth bump: 0 outside [at, at + len], sin² inside. */
function pulses(list: Pulse[], t: number): number {
  let v = 0;
  for (const p of list) {
    if (t >= p.at && t <= p.at + p.len) v = Math.max(v, p.amp * Math.sin((Math.PI * (t - p.at)) / p.len) ** 2);
  }
  return v;
}

/** Plateau version of pulses (raise, hold, lower) for brow raises. */
function holds(list: Pulse[], t: number): number {
  let v = 0;
  for (const p of list) {
    const edge = 0.2 * p.len;
    const a = Math.min((t - p.at) / edge, (p.at + p.len - t) / edge, 1);
    if (a > 0) v = Math.max(v, p.amp * Math.sin((Math.PI / 2) * a) ** 2);
  }
  return v;
}

const lerp = (a: number, b: number, t: number) => a + (b - a) * Math.min(Math.max(t, 0), 1);
const ease = (t: number) => {
  const c = Math.min(Math.max(t, 0), 1);
  return c * c * (3 - 2 * c);
};
const DEG = Math.PI / 180;

/** Target's horizontal position (fraction of width) over the unit timeline. */
function targetX(tau: number): number {
  const { exit, reentry } = SCRIPT;
  if (tau < 0.35) return lerp(0.5, 0.6, ease(tau / 0.35));
  if (tau < exit.start) return 0.6;
  if (tau < exit.gone) return lerp(0.6, 1.2, ease((tau - exit.start) / (exit.gone - exit.start)));
  if (tau < reentry.start) return 1.2;
  if (tau < reentry.back) return lerp(1.2, 0.7, ease((tau - reentry.start) / (reentry.back - reentry.start)));
  return lerp(0.7, 0.64, (tau - reentry.back) / (1 - reentry.back));
}

/** Distractor's horizontal position: approaches the target, backs off, crosses to the middle while the target is away. */
function distractorX(tau: number): number {
  if (tau < SCRIPT.closeApproach) return lerp(0.14, 0.38, ease(tau / SCRIPT.closeApproach));
  if (tau < 0.45) return lerp(0.38, 0.2, ease((tau - SCRIPT.closeApproach) / 0.15));
  if (tau < 0.6) return 0.2;
  if (tau < 0.7) return lerp(0.2, 0.42, ease((tau - 0.6) / 0.1));
  if (tau < 0.78) return 0.42;
  return lerp(0.42, 0.22, ease((tau - 0.78) / 0.12));
}

export interface ScriptFrame {
  target: CharacterState;
  distractor: CharacterState;
  /** The ball in frame pixels, when in the air. */
  ball: { x: number; y: number; r: number } | null;
}

export function scriptAt(plan: ScriptPlan, t: number, width: number, height: number): ScriptFrame {
  const tau = t / plan.duration;
  const s = plan.duration / 10;
  const tFace = height * lerp(0.36, 0.42, ease((tau - 0.8) / 0.2));
  const target: CharacterState = {
    x: targetX(tau) * width,
    y: height * (0.46 + 0.01 * Math.sin((2 * Math.PI * t) / (0.9 * s))),
    faceHeight: tFace,
    pose: {
      yaw: 30 * DEG * Math.sin((2 * Math.PI * t) / (4 * s)),
      pitch: 8 * DEG * Math.sin((2 * Math.PI * t) / (2.7 * s) + 0.5),
      roll: 20 * DEG * Math.sin((2 * Math.PI * t) / (3.1 * s) + 0.7),
    },
    expression: {
      mouthOpen: pulses(plan.syllables.target, t),
      eyeOpenRight: 1 - pulses(plan.blinks.target, t),
      eyeOpenLeft: 1 - pulses(plan.blinks.target, t),
      browRaise: holds(plan.browRaises, t),
    },
  };
  const distractor: CharacterState = {
    x: distractorX(tau) * width,
    y: height * (0.5 + 0.012 * Math.sin((2 * Math.PI * t) / (1.1 * s) + 1)),
    faceHeight: height * 0.26,
    pose: {
      yaw: 20 * DEG * Math.sin((2 * Math.PI * t) / (3.3 * s) + 2),
      pitch: 5 * DEG * Math.sin((2 * Math.PI * t) / (2.1 * s)),
      roll: 10 * DEG * Math.sin((2 * Math.PI * t) / (2.6 * s) + 1.5),
    },
    expression: {
      mouthOpen: pulses(plan.syllables.distractor, t),
      eyeOpenRight: 1 - pulses(plan.blinks.distractor, t),
      eyeOpenLeft: 1 - pulses(plan.blinks.distractor, t),
      browRaise: 0,
    },
  };
  const { occlusion } = SCRIPT;
  let ball: ScriptFrame['ball'] = null;
  if (tau >= occlusion.start - 0.03 && tau <= occlusion.end + 0.03) {
    // Flies left to right across the target's lower face; on the face for about the occlusion window.
    const u = (tau - occlusion.start) / (occlusion.end - occlusion.start);
    const r = 0.24 * tFace;
    ball = {
      x: target.x + (1.5 * u - 0.75) * tFace,
      y: target.y + 0.24 * tFace - 0.08 * tFace * Math.sin(Math.PI * u),
      r,
    };
  }
  return { target, distractor, ball };
}
