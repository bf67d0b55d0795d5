import { AnalysisModels } from '@tooncast/engine';
import { createSession } from '@tooncast/models';
import type { Config } from '@tooncast/shared';

/** Opens the step-1 models once per process; every analysed video reuses them. */
export function openAnalysisModels(config: Config): Promise<AnalysisModels> {
  return AnalysisModels.open((name) => createSession(name, config), config.analysis);
}
