import {
  AnalysisModels,
  BuiltinStylizer,
  type FaceGenerator,
  MeshFaceGenerator,
  OnnxFaceGenerator,
  type PipelineModels,
  type Stylizer,
  UserStylizer,
} from '@tooncast/engine';
import { createSession, createSessionFromFile, sessionOptions } from '@tooncast/models';
import type { Config } from '@tooncast/shared';

/** Opens the step-1 models once per process; every analysed video reuses them. */
export function openAnalysisModels(config: Config): Promise<AnalysisModels> {
  return AnalysisModels.open((name) => createSession(name, config), config.analysis, config.face.size);
}

/** Opens every model of the method (steps 1–4) as configured: built-in or user ONNX generator and stylizer. */
export async function openPipelineModels(config: Config): Promise<PipelineModels> {
  const analysis = await openAnalysisModels(config);
  const f = config.face;
  const generator: FaceGenerator =
    f.generator === 'builtin'
      ? new MeshFaceGenerator(analysis.space)
      : new OnnxFaceGenerator(analysis.space, await createSessionFromFile(f.generator, config), {
          modelSize: f.generatorSize || undefined,
        });
  const stylizer: Stylizer =
    f.stylizer === 'builtin'
      ? await BuiltinStylizer.create(sessionOptions(config))
      : new UserStylizer(await createSessionFromFile(f.stylizer, config), f.stylizerSize || undefined);
  return { analysis, generator, stylizer };
}
