import { loadConfig } from '@tooncast/shared';
import ort from 'onnxruntime-node';
import { MODEL_NAMES } from './catalog.ts';
import { createSession } from './session.ts';
import { MODEL_SPECS } from './specs.ts';

/**
 * CLI: `node --import tsx packages/models/src/bench.ts [runs]` — per-model inference latency (batch 1, the configured
 * thread count, random input). Prints JSON; `ratio` is each model's p50 over blazeface128's, measured in this run.
 */
const runs = Number(process.argv[2] ?? 50);
const config = loadConfig();
const results: Record<string, { p50: number; p90: number }> = {};
for (const name of MODEL_NAMES) {
  const session = await createSession(name, config);
  const { input } = MODEL_SPECS[name];
  const shape = input.shape.map((d) => (d < 0 ? 1 : d));
  const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.random());
  const feeds = { [input.name]: new ort.Tensor('float32', data, shape) };
  for (let i = 0; i < 5; i++) await session.run(feeds);
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await session.run(feeds);
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  results[name] = { p50: ms[Math.floor(runs / 2)]!, p90: ms[Math.floor(runs * 0.9)]! };
  await session.release();
}
const baseline = results.blazeface128!.p50;
const round = (x: number) => Math.round(x * 100) / 100;
console.log(
  JSON.stringify(
    {
      runs,
      intraOpThreads: config.models.intraOpThreads,
      baseline: 'blazeface128',
      models: Object.fromEntries(
        Object.entries(results).map(([k, v]) => [
          k,
          { p50Ms: round(v.p50), p90Ms: round(v.p90), ratio: round(v.p50 / baseline) },
        ]),
      ),
    },
    null,
    2,
  ),
);
