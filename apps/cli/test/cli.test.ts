import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { FFMPEG_PATH, VideoReader } from '@tooncast/media';
import { config } from './support.ts';

const BIN = path.resolve(import.meta.dirname, '../bin/tooncast');
const BBB = path.join(config.fixturesDir, 'clips', 'bbb_slapstick.mp4');
const SELFIE = path.join(config.fixturesDir, 'selfies', 'astronaut.png');
const dir = mkdtempSync(path.join(os.tmpdir(), 'tooncast-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function ffmpeg(...args: string[]): void {
  const r = spawnSync(FFMPEG_PATH, ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
  assert.equal(r.status, 0, r.stderr.toString());
}

function tooncast(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return finished(promisify(execFile)(BIN, args, { cwd: dir }));
}

async function finished(run: Promise<{ stdout: string; stderr: string }>) {
  try {
    const { stdout, stderr } = await run;
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** A failure is one line on stderr, named, with the right exit code, and never a stack trace. */
function assertCleanError(r: { code: number; stderr: string }, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, r.stderr);
  const first = r.stderr.split('\n')[0];
  assert.match(first, /^tooncast: /);
  assert.match(first, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

test('bad input gets one clear line and a meaningful exit code', async () => {
  const text = path.join(dir, 'notes.mp4');
  writeFileSync(text, 'this is not a video');
  const audio = path.join(dir, 'tone.m4a');
  ffmpeg('-f', 'lavfi', '-i', 'sine=frequency=440:duration=0.5', audio);
  const huge = path.join(dir, 'huge.mp4');
  ffmpeg('-f', 'lavfi', '-i', 'color=c=red:s=4112x64:d=0.2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', huge);

  assertCleanError(
    await tooncast('analyze', '--video', path.join(dir, 'missing.mp4'), '--target', '0,1,1'),
    3,
    /cannot read/,
  );
  assertCleanError(await tooncast('analyze', '--video', text, '--target', '0,1,1'), 3, /not a readable video/);
  assertCleanError(await tooncast('analyze', '--video', audio, '--target', '0,1,1'), 3, /no video stream/);
  assertCleanError(await tooncast('analyze', '--video', huge, '--target', '0,1,1'), 3, /4112x64.*4096/);
  assertCleanError(await tooncast('analyze', '--video', BBB, '--target', '1,2'), 2, /T,X,Y/);
  assertCleanError(await tooncast('analyze', '--video', BBB, '--target', '99,10,10'), 2, /past the end/);
  assertCleanError(await tooncast('analyze', '--video', BBB), 2, /needs --video and --target/);
  assertCleanError(await tooncast('frobnicate'), 2, /unknown command/);
  // A stylizer of the user's that is not there, or no model: their file to mend (it said "run npm run setup").
  const garbage = path.join(dir, 'garbage.onnx');
  writeFileSync(garbage, 'this is not a model');
  for (const [stylizer, pattern] of [
    [path.join(dir, 'missing.onnx'), /model: .*missing\.onnx does not exist/],
    [garbage, /model: .*garbage\.onnx is not an ONNX model/],
  ] as const) {
    const out = path.join(dir, 'stylized.mp4');
    const args = ['--video', BBB, '--face', SELFIE, '--target', '12.5,293,250', '--out', out, '--stylizer', stylizer];
    assertCleanError(await tooncast('render', ...args), 3, pattern);
  }
  // A click on the tree: refused, with the face that is there.
  assertCleanError(
    await tooncast('analyze', '--video', BBB, '--target', '12.5,20,20'),
    4,
    /no face at point 20,20.*faces found there: \d+,\d+,\d+x\d+/,
  );
});

test('analyze writes per-frame JSON, a summary and a debug video for every frame', async () => {
  const clip = path.join(dir, 'bunny-2s.mp4');
  ffmpeg('-ss', '12', '-i', BBB, '-t', '2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', clip);
  const out = path.join(dir, 'out');
  const r = await tooncast('analyze', '--video', clip, '--target', '0.5,293,250', '--out', out);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
  assert.deepEqual(JSON.parse(r.stdout), summary);
  const lines = readFileSync(path.join(out, 'frames.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, 48);
  assert.equal(summary.frames, 48);
  for (const [i, l] of lines.entries()) assert.equal(l.frame, i);
  const found = lines.filter((l) => l.state !== 'lost');
  assert.ok(found.length >= 44, `found on ${found.length}/48 frames`);
  for (const l of found) {
    assert.equal(l.landmarks.length, 468);
    assert.equal(l.irises.length, 2);
    assert.ok(l.presence > 0 && l.presence <= 1);
    assert.ok(l.box.x + l.box.w / 2 < 400, 'the bunny, not the squirrel');
  }
  const debug = await VideoReader.open(path.join(out, 'contours.mp4'));
  let n = 0;
  for await (const _ of debug.frames()) n++;
  assert.equal(n, 48);
});

test('render refuses an --out that is its input, and the input stays as it was', async () => {
  // Without audio, the encoder would truncate the clip while it is being decoded.
  const clip = path.join(dir, 'bunny-1s.mp4');
  ffmpeg('-ss', '12', '-i', BBB, '-t', '1', '-an', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', clip);
  const before = readFileSync(clip);
  assertCleanError(
    await tooncast('render', '--video', clip, '--face', SELFIE, '--target', '0.5,293,250', '--out', './bunny-1s.mp4'),
    2,
    /would overwrite the input/,
  );
  assert.ok(readFileSync(clip).equals(before), 'the video is untouched');
});

test('a render whose input fails mid-way leaves no file at --out', async () => {
  const clip = path.join(dir, 'bunny-2s-render.mp4');
  ffmpeg('-ss', '12', '-i', BBB, '-t', '2', '-an', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', clip);
  const out = path.join(dir, 'render', 'out.mp4');
  const args = ['render', '--video', clip, '--face', SELFIE, '--target', '0.5,293,250', '--out', out];
  const run = promisify(execFile)(BIN, args, { cwd: dir, timeout: 120_000 });
  // Once frames are being rendered (the first progress line), the decoder dies, as a crashed ffmpeg would.
  await new Promise<void>((resolve) => {
    run.child.stderr!.on('data', (d: string) => /render \d+\/\d+ frames/.test(d) && resolve());
    run.child.on('close', () => resolve());
  });
  const decoder = execFileSync('pgrep', ['-P', String(run.child.pid), '-f', 'pipe:1'], { encoding: 'utf8' }).trim();
  assert.match(decoder, /^\d+$/, 'one decoder');
  process.kill(Number(decoder), 'SIGKILL');
  const r = await finished(run);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /^tooncast: decoding .* failed: killed by SIGKILL$/m); // after the selfie's warning
  assert.ok(!existsSync(out), 'no output');
  assert.ok(!existsSync(path.join(dir, 'render', 'out.partial.mp4')), 'no partial output');
});
