/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Diagnostic (temporary): one session, pass-through or engine, sampling every 5 s what Chrome's WebRTC stats say
 * about where latency goes. node --import tsx loadtests/src/live-timeline.ts [--seconds 90] [--processor passthrough]
 */
import os from 'node:os';
import { targetPointAt } from '@tooncast/synth';
import {
  firstPersonalizedFrame,
  glassToGlass,
  measurements,
  percentile,
  startOwnerSession,
  TestBrowser,
} from '../../scripts/services/browser.ts';
import { insideNetns, selfieFixture, startTestStack, synthTestClip } from '../../scripts/services/harness.ts';

const PC_COLLECTOR = `(() => { const P = window.RTCPeerConnection; window.__pcs = [];
  window.RTCPeerConnection = function (...a) { const pc = new P(...a); window.__pcs.push(pc); return pc; };
  window.RTCPeerConnection.prototype = P.prototype; })()`;

async function sample(page: import('playwright-core').Page) {
  return page.evaluate(async () => {
    const out: Record<string, unknown>[] = [];
    for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs) {
      if (pc.connectionState === 'closed') continue;
      for (const s of (await pc.getStats()).values()) {
        if (s.type === 'inbound-rtp' || s.type === 'outbound-rtp') out.push({ ...s });
      }
    }
    return out;
  });
}

if (await insideNetns(import.meta.filename, false)) {
  const arg = (n: string) => {
    const i = process.argv.indexOf(n);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const seconds = Number(arg('--seconds') ?? 90);
  const processor = arg('--processor') ?? 'passthrough';
  const stack = await startTestStack({
    TOONCAST_FRAME_PROCESSOR: processor,
    TOONCAST_MAX_PLAYOUT_DELAY: arg('--max-delay') ?? 'off',
    ...Object.fromEntries(
      (arg('--env') ?? '')
        .split(',')
        .filter(Boolean)
        .map((kv) => kv.split('=')),
    ),
  });
  const browser = await TestBrowser.launch();
  try {
    const clip = await synthTestClip(2);
    const point = targetPointAt(clip.truths, 24);
    const owner = await browser.page(stack.webUrl);
    await owner.addInitScript(PC_COLLECTOR);
    await owner.reload();
    await startOwnerSession(owner, clip.file, selfieFixture(), { x: point.x / 640, y: point.y / 360, t: 1 });
    console.error('first frame', await firstPersonalizedFrame(owner, 20_000));
    let prev = await sample(owner);
    const t0 = Date.now();
    while (Date.now() < t0 + seconds * 1000) {
      const from = Date.now();
      await new Promise((r) => setTimeout(r, 5000));
      const cur = await sample(owner);
      const m = await measurements(owner);
      const g2g = glassToGlass(m, from).filter((ms) => ms > 0 && ms < 3000);
      const row: Record<string, unknown> = {
        t: Math.round((Date.now() - t0) / 1000),
        load: os.loadavg()[0].toFixed(1),
        g2g50: percentile(g2g, 0.5),
        g2g95: percentile(g2g, 0.95),
        worker: m.workerStats?.stages?.total,
      };
      for (const s of cur) {
        const p = prev.find((x) => x.id === s.id) ?? {};
        const d = (k: string) => ((s[k] as number) ?? 0) - ((p[k] as number) ?? 0);
        const key = `${s.type === 'inbound-rtp' ? 'in' : 'out'}-${s.kind}`;
        if (s.type === 'inbound-rtp') {
          const n = d('jitterBufferEmittedCount');
          row[key] = {
            jb: Math.round((1000 * d('jitterBufferDelay')) / n),
            target: Math.round((1000 * d('jitterBufferTargetDelay')) / n),
            min: Math.round((1000 * d('jitterBufferMinimumDelay')) / n),
            ...(s.kind === 'video'
              ? {
                  fps: Math.round(d('framesDecoded') / 5),
                  decMs: Math.round((1000 * d('totalDecodeTime')) / d('framesDecoded')),
                  procMs: Math.round((1000 * d('totalProcessingDelay')) / d('framesDecoded')),
                  asmMs: Math.round((1000 * d('totalAssemblyTime')) / d('framesAssembledFromMultiplePackets')),
                  freezes: d('freezeCount'),
                  dropped: d('framesDropped'),
                  lost: d('packetsLost'),
                  nack: d('nackCount'),
                  pli: d('pliCount'),
                }
              : { concealed: d('concealedSamples') }),
          };
        } else if (s.kind === 'video') {
          row[key] = {
            fps: Math.round(d('framesEncoded') / 5),
            encMs: Math.round((1000 * d('totalEncodeTime')) / d('framesEncoded')),
            sendDelayMs: Math.round((1000 * d('totalPacketSendDelay')) / d('packetsSent')),
            limit: s.qualityLimitationReason,
            w: s.frameWidth,
          };
        }
      }
      console.log(JSON.stringify(row));
      prev = cur;
    }
  } finally {
    await browser.close();
    await stack.stop();
  }
}
