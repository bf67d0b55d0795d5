import type { FrameAnalysis } from '@tooncast/engine';

const r1 = (v: number) => Math.round(v * 10) / 10;
const r3 = (v: number) => Math.round(v * 1000) / 1000;

/** One line of the per-frame analysis JSON: what a later tool needs, rounded to what the models resolve. */
export function analysisRecord(a: FrameAnalysis) {
  const f = a.face;
  return {
    frame: a.index,
    time: r3(a.timeSec),
    state: a.state,
    detectorRan: a.detectorRan,
    ...(f && {
      presence: r3(f.presence),
      box: { x: r1(f.box.x), y: r1(f.box.y), w: r1(f.box.w), h: r1(f.box.h) },
      landmarks: Array.from({ length: f.landmarks.length / 3 }, (_, i) => [
        r1(f.landmarks[3 * i]),
        r1(f.landmarks[3 * i + 1]),
        r1(f.landmarks[3 * i + 2]),
      ]),
      irises: f.irises.map((i) => ({ center: i.center.map(r1), radius: r1(i.radius) })),
      expression: Object.fromEntries(Object.entries(f.expression).map(([k, v]) => [k, r3(v)])),
    }),
  };
}
