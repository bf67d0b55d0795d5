import { AnalysisModels, openPipelineModels as openModels, type PipelineModels } from '@tooncast/engine';
import { createSession, sessionOpeners } from '@tooncast/models';
import type { Config } from '@tooncast/shared';

/** Opens the step-1 models once per process; every analysed video reuses them. */
export function openAnalysisModels(config: Config): Promise<AnalysisModels> {
  return AnalysisModels.open((name) => createSession(name, config), config.analysis, config.face.size);
}

/** Opens every model of the method (steps 1–4) as configured. */
export function openPipelineModels(config: Config): Promise<PipelineModels> {
  return openModels(config, sessionOpeners(config));
}
