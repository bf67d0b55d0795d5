import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

/** The demo clip route on a stand-in clip of 1000 known bytes. */
describe('the demo clip route serves the byte ranges the player asks for', () => {
  const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7) % 256));
  let dir: string;
  let get: (request: Request) => Promise<Response>;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tooncast-demo-route-'));
    const clip = path.join(dir, 'clip.mp4');
    await fs.writeFile(clip, bytes);
    process.env.TOONCAST_DEMO_CLIP = clip;
    get = (await import('../app/clips/demo/route.ts')).GET;
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  const fetchRange = async (range?: string) => {
    const r = await get(new Request('http://x/clips/demo', { headers: range ? { range } : {} }));
    return { status: r.status, contentRange: r.headers.get('content-range'), body: Buffer.from(await r.arrayBuffer()) };
  };

  it('a whole file, a range, an open range', async () => {
    assert.deepEqual((await fetchRange()).body, bytes);
    const part = await fetchRange('bytes=10-19');
    assert.deepEqual([part.status, part.contentRange, part.body], [206, 'bytes 10-19/1000', bytes.subarray(10, 20)]);
    const rest = await fetchRange('bytes=990-');
    assert.deepEqual([rest.status, rest.contentRange, rest.body], [206, 'bytes 990-999/1000', bytes.subarray(990)]);
  });

  it('a suffix range is the last bytes (it was served as the first ones)', async () => {
    const tail = await fetchRange('bytes=-100');
    assert.deepEqual([tail.status, tail.contentRange, tail.body], [206, 'bytes 900-999/1000', bytes.subarray(900)]);
  });

  it('a range past the end, or with no bounds, is not satisfiable', async () => {
    for (const range of ['bytes=2000-', 'bytes=-']) {
      const r = await fetchRange(range);
      assert.deepEqual([r.status, r.contentRange], [416, 'bytes */1000'], range);
    }
  });
});
