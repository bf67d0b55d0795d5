import { createLogger, loadConfig } from '@tooncast/shared';
import { buildModels } from './build-models.ts';

/** CLI: `node --import tsx packages/models/src/build.ts` — builds missing/stale ONNX models (run by scripts/setup.sh). */
const log = createLogger('models-build');
try {
  const config = loadConfig();
  const { rebuilt } = await buildModels(config, log);
  log.info({ dir: config.models.dir, rebuilt }, rebuilt.length ? 'models built' : 'models up to date');
} catch (err) {
  log.fatal({ err }, 'model build failed');
  process.exitCode = 1;
}
