import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.ts';

test('defaults need no environment', () => {
  const c = loadConfig({});
  assert.equal(c.models.executionProvider, 'cpu');
  assert.equal(c.models.intraOpThreads, 1);
  assert.match(c.models.dir, /\.cache\/models$/);
});

test('a bad variable is named in one readable error', () => {
  assert.throws(
    () => loadConfig({ TOONCAST_EXECUTION_PROVIDER: 'tpu', TOONCAST_INTRA_OP_THREADS: 'x' }),
    (e: unknown) =>
      e instanceof ConfigError && /models\.executionProvider/.test(e.message) && /intraOpThreads/.test(e.message),
  );
});
