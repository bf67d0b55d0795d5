import fs from 'node:fs';
import { Readable } from 'node:stream';
import { loadConfig } from '@tooncast/shared';

/** The built-in demo clip, with Range support so the browser can seek and pause on a frame. */
export async function GET(request: Request): Promise<Response> {
  const file = loadConfig().live.demoClip;
  const stat = await fs.promises.stat(file).catch(() => undefined);
  if (!stat)
    return new Response('the demo clip is not rendered on this server: start it with npm start', { status: 404 });
  const type = file.endsWith('.webm') ? 'video/webm' : 'video/mp4';
  const range = /bytes=(\d*)-(\d*)/.exec(request.headers.get('range') ?? '');
  if (!range) {
    const body = Readable.toWeb(fs.createReadStream(file)) as ReadableStream;
    return new Response(body, {
      headers: { 'content-type': type, 'content-length': String(stat.size), 'accept-ranges': 'bytes' },
    });
  }
  const [, from, to] = range;
  // "bytes=-N" is the last N bytes (a suffix), not the first N + 1.
  const start = from ? Number(from) : to ? Math.max(0, stat.size - Number(to)) : stat.size;
  const end = from && to ? Math.min(Number(to), stat.size - 1) : stat.size - 1;
  if (start > end) return new Response(null, { status: 416, headers: { 'content-range': `bytes */${stat.size}` } });
  const body = Readable.toWeb(fs.createReadStream(file, { start, end })) as ReadableStream;
  return new Response(body, {
    status: 206,
    headers: {
      'content-type': type,
      'content-length': String(end - start + 1),
      'content-range': `bytes ${start}-${end}/${stat.size}`,
      'accept-ranges': 'bytes',
    },
  });
}
