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

  // The patch is read through a VideoFrame, not a canvas: drawing a video frame on a canvas converts all of it, ~4 ms
  // of the page's main thread a frame, which the probe would add to the page it measures. (As the pages' own reader,
  // readPresentedPixels, does; evaluated in the page, the probe cannot import it.)
  let pixels = new Uint8Array(0);
  let busy = false;
  const onFrame: VideoFrameRequestCallback = (_now, meta) => {
    video.requestVideoFrameCallback(onFrame);
    if (busy) return;
    const frame = new VideoFrame(video);
    const { width: w, height: h } = frame.visibleRect!;
    // The patch's middle half, clear of its edges' blur, on even pixels (whole chroma samples).
    const even = (v: number) => 2 * Math.round(v / 2);
    const [x0, y0] = [
      even((patch[0] + (patch[2] - patch[0]) / 4) * w),
      even((patch[1] + (patch[3] - patch[1]) / 4) * h),
    ];
    const rect = {
      x: x0,
      y: y0,
      width: Math.max(2, even(((patch[2] - patch[0]) / 2) * w)),
      height: Math.max(2, even(((patch[3] - patch[1]) / 2) * h)),
    };
    const size = rect.width * rect.height * 4;
    if (pixels.length < size) pixels = new Uint8Array(size);
    busy = true;
    void frame
      .copyTo(pixels, { rect, format: 'RGBA' })
      .then(() => {
        let sum = 0;
        for (let i = 0; i < size; i += 4) sum += (pixels[i] + pixels[i + 1] + pixels[i + 2]) / 3;
        const at = meta.presentationTime;
        const last = marks.flashes[marks.flashes.length - 1];
        if (sum / (size / 4) > 220 && (last === undefined || at - last > 500)) marks.flashes.push(at);
      })
      .finally(() => {
        frame.close();
        busy = false;
      });
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
