import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** Repository root, so every package finds the model cache and fixtures the same way. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const int = (def: number) => z.coerce.number().int().nonnegative().default(def);

/**
 * The one validated configuration of every Tooncast process. Each value comes from an environment variable
 * (named in the comment) or a built-in default, so `npm start` works with no configuration at all.
 */
export const ConfigSchema = z.object({
  /** TOONCAST_LOG_LEVEL */
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  models: z.object({
    /** TOONCAST_MODEL_DIR: where the model build writes its ONNX files (git-ignored). */
    dir: z.string().default(path.join(REPO_ROOT, '.cache/models')),
    /** TOONCAST_EXECUTION_PROVIDER: onnxruntime execution provider; cuda where a GPU exists. */
    executionProvider: z.enum(['cpu', 'cuda']).default('cpu'),
    /** TOONCAST_INTRA_OP_THREADS: one thread per session by default; a worker runs sessions side by side. */
    intraOpThreads: int(1).pipe(z.number().min(1)),
  }),
  /** TOONCAST_FIXTURES: read-only test media shared beside the checkout. */
  fixturesDir: z.string().default(path.resolve(REPO_ROOT, '../shared/fixtures')),
});

export type Config = z.infer<typeof ConfigSchema>;

/** Reads and validates the configuration; throws one readable error naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse({
    logLevel: env.TOONCAST_LOG_LEVEL,
    models: {
      dir: env.TOONCAST_MODEL_DIR,
      executionProvider: env.TOONCAST_EXECUTION_PROVIDER,
      intraOpThreads: env.TOONCAST_INTRA_OP_THREADS,
    },
    fixturesDir: env.TOONCAST_FIXTURES,
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  return parsed.data;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}
