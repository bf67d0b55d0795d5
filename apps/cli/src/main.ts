#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { MediaError } from '@tooncast/media';
import { ConfigError, loadConfig } from '@tooncast/shared';
import { analyzeCommand } from './commands/analyze.ts';
import { demoCommand } from './commands/demo.ts';
import { renderCommand } from './commands/render.ts';
import { demoClip } from './demo-clip.ts';
import { CliError, EXIT } from './errors.ts';

const USAGE = `usage:
  tooncast render --video FILE --face IMAGE --target T,X,Y [--out OUT.mp4] [--no-fusion] [--stylizer FILE.onnx] [--debug]
      puts the selfie's face on the character (method steps 1-4); --debug also writes OUT.debug.mp4, a grid of
      original | output over contour figure | first face | second face | fusion weight | final face | stylized face.
  tooncast demo-clip
      renders the built-in synthetic cartoon clip (if its generator changed) and prints its path.
  tooncast demo
      renders the built-in synthetic cartoon clip, clicks its main character and analyses it (out/demo/).
  tooncast analyze --video FILE --target T,X,Y|T,X,Y,W,H [--out DIR] [--no-debug-video]
      T is seconds into the video; X,Y a point on the character's face (or X,Y,W,H a box around it), in pixels.

exit codes: 0 ok, 1 internal error, 2 usage, 3 bad input file, 4 target not found`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const config = loadConfig();
  switch (command) {
    case 'analyze': {
      const { values } = parse(() =>
        parseArgs({
          args: rest,
          strict: true,
          options: {
            video: { type: 'string' },
            target: { type: 'string' },
            out: { type: 'string', default: 'out/analyze' },
            'no-debug-video': { type: 'boolean', default: false },
          },
        }),
      );
      if (!values.video || !values.target) throw new CliError('analyze needs --video and --target', EXIT.usage);
      return analyzeCommand(
        { video: values.video, target: values.target, out: values.out!, debugVideo: !values['no-debug-video'] },
        config,
      );
    }
    case 'render': {
      const { values } = parse(() =>
        parseArgs({
          args: rest,
          strict: true,
          options: {
            video: { type: 'string' },
            face: { type: 'string' },
            target: { type: 'string' },
            out: { type: 'string', default: 'out/render.mp4' },
            'no-fusion': { type: 'boolean', default: false },
            stylizer: { type: 'string' },
            debug: { type: 'boolean', default: false },
          },
        }),
      );
      if (!values.video || !values.face || !values.target) {
        throw new CliError('render needs --video, --face and --target', EXIT.usage);
      }
      const cfg = values.stylizer ? { ...config, face: { ...config.face, stylizer: values.stylizer } } : config;
      return renderCommand(
        {
          video: values.video,
          face: values.face,
          target: values.target,
          out: values.out!,
          fusion: !values['no-fusion'] && config.face.fusion === 'on',
          debug: values.debug!,
        },
        cfg,
      );
    }
    case 'demo':
      return demoCommand(config);
    case 'demo-clip': {
      const clip = await demoClip();
      process.stdout.write(`${clip.video}\n`);
      return;
    }
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(`${USAGE}\n`);
      return;
    default:
      throw new CliError(`unknown command "${command}"`, EXIT.usage);
  }
}

/** Argument errors are usage errors, not crashes. */
function parse<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new CliError((e as Error).message, EXIT.usage);
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(EXIT.ok),
  (e: unknown) => {
    if (e instanceof CliError) {
      process.stderr.write(`tooncast: ${e.message}\n`);
      if (e.exitCode === EXIT.usage) process.stderr.write(`${USAGE}\n`);
      process.exit(e.exitCode);
    }
    if (e instanceof MediaError) {
      process.stderr.write(`tooncast: ${e.message}\n`);
      process.exit(EXIT.badInput);
    }
    if (e instanceof ConfigError) {
      process.stderr.write(`tooncast: ${e.message}\n`);
      process.exit(EXIT.usage);
    }
    const err = e as Error;
    process.stderr.write(`tooncast: internal error: ${err.message}\n`);
    if (process.env.TOONCAST_DEBUG) process.stderr.write(`${err.stack}\n`);
    process.exit(EXIT.internal);
  },
);
