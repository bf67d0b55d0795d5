/// <reference lib="dom" />

/** What the in-page probe collected: performance.now() times of white flashes (video) and clicks (audio). */
export interface AvMarks {
  flashes: number[];
  clicks: number[];
  audioRunning: boolean;
}

/**
 * Runs inside the viewer page (passed to page.evaluate): listens to the personalized stream's audio through
 * WebAudio and watches its video for the test clip's white flash (`patch`, normalized [x0, y0, x1, y1]),
 * recording when each is played/shown.
 */
export function installAvProbe([selector, patch]: [string, readonly number[]]): void {
  const video = document.querySelector(selector) as HTMLVideoElement;
  const stream = video.srcObject as MediaStream;
  const marks: AvMarks = { flashes: [], clicks: [], audioRunning: false };
  (window as unknown as { avMarks: AvMarks }).avMarks = marks;

  const ctx = new AudioContext();
  void ctx.resume();
  const source = ctx.createMediaStreamSource(stream);
  const processor = ctx.createScriptProcessor(256, 1, 1);
  const silent = ctx.createGain();
  silent.gain.value = 0;
  source.connect(processor);
  processor.connect(silent);
  silent.connect(ctx.destination);
  processor.onaudioprocess = (e) => {
    marks.audioRunning = true;
    const samples = e.inputBuffer.getChannelData(0);
    for (let i = 0; i < samples.length; i++) {
      if (Math.abs(samples[i]) < 0.2) continue;
      const stamp = ctx.getOutputTimestamp();
      const at = stamp.performanceTime! + (e.playbackTime + i / ctx.sampleRate - stamp.contextTime!) * 1000;
      if (!marks.clicks.length || at - marks.clicks[marks.clicks.length - 1] > 500) marks.clicks.push(at);
      break;
    }
  };

  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 8;
  const g = canvas.getContext('2d', { willReadFrequently: true })!;
  const onFrame: VideoFrameRequestCallback = (_now, meta) => {
    const [w, h] = [video.videoWidth, video.videoHeight];
    // The patch's middle half, clear of its edges' blur.
    const [x0, y0, x1, y1] = [patch[0] * w, patch[1] * h, patch[2] * w, patch[3] * h];
    const [sw, sh] = [(x1 - x0) / 2, (y1 - y0) / 2];
    g.drawImage(video, x0 + sw / 2, y0 + sh / 2, sw, sh, 0, 0, 8, 8);
    const px = g.getImageData(0, 0, 8, 8).data;
    let sum = 0;
    for (let i = 0; i < px.length; i += 4) sum += (px[i] + px[i + 1] + px[i + 2]) / 3;
    const at = meta.presentationTime;
    const last = marks.flashes[marks.flashes.length - 1];
    if (sum / 64 > 220 && (last === undefined || at - last > 500)) marks.flashes.push(at);
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
}

/**
 * Audio lead (ms) per flash, with the flash's time: flash time minus the nearest click's time, so positive means the
 * sound came first.
 * ITU-R BT.1359 detectability: from +45 (sound early) to -125 (sound late).
 */
export function audioLeads(marks: AvMarks): { at: number; lead: number }[] {
  const leads: { at: number; lead: number }[] = [];
  for (const flash of marks.flashes) {
    let best: number | undefined;
    for (const click of marks.clicks)
      if (best === undefined || Math.abs(flash - click) < Math.abs(flash - best)) best = click;
    if (best !== undefined && Math.abs(flash - best) < 700) leads.push({ at: flash, lead: flash - best });
  }
  return leads;
}

/** Whether every lead is within ITU-R BT.1359 detectability (see audioLeads); false without any. */
export function withinBt1359(leads: readonly number[]): boolean {
  return leads.length > 0 && leads.every((l) => l <= 45 && l >= -125);
}

/** Least-squares slope of the audio lead over time, ms per minute: a clock drift between sound and picture. */
export function leadDrift(leads: readonly { at: number; lead: number }[]): number {
  if (leads.length < 3) return Number.NaN;
  const mt = leads.reduce((s, l) => s + l.at, 0) / leads.length;
  const ml = leads.reduce((s, l) => s + l.lead, 0) / leads.length;
  let num = 0;
  let den = 0;
  for (const l of leads) {
    num += (l.at - mt) * (l.lead - ml);
    den += (l.at - mt) ** 2;
  }
  return den > 0 ? (60_000 * num) / den : Number.NaN;
}
