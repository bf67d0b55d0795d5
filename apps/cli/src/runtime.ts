import { AnalysisModels, loadFaceTopology } from '@tooncast/engine';
import { createSession } from '@tooncast/models';
import type { Config } from '@tooncast/shared';

/** Opens the step-1 models once per process; every analysed video reuses them. */
export async function openAnalysisModels(config: Config): Promise<AnalysisModels> {
  const [detector, facemesh, iris, topology] = await Promise.all([
    createSession('blazeface256', config),
    createSession('facemesh', config),
    createSession('iris', config),
    loadFaceTopology(),
  ]);
  return new AnalysisModels({ detector, facemesh, iris }, topology, config.analysis);
}
