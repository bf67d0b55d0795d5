import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';

/** An npm package pinned by version and by the registry's own integrity string (`npm view <spec> dist.integrity`). */
export interface PinnedPackage {
  spec: string;
  integrity: string;
}

/**
 * Fetches a package tarball with `npm pack` (the ordinary client, its cache and registry config) into a temporary
 * directory under `workDir`, checks it against the pinned sha512 and returns its bytes.
 */
export async function packPinned(pkg: PinnedPackage, workDir: string): Promise<Buffer> {
  const dir = await mkdtemp(path.join(workDir, 'npm-pack-'));
  try {
    await promisify(execFile)('npm', ['pack', pkg.spec, '--pack-destination', dir, '--silent'], {
      cwd: dir,
      env: { ...process.env, npm_config_loglevel: 'error' },
    });
    const files = (await readdir(dir)).filter((f) => f.endsWith('.tgz'));
    if (files.length !== 1) throw new Error(`npm pack ${pkg.spec} produced ${files.length} tarballs`);
    const tgz = await readFile(path.join(dir, files[0]!));
    const actual = `sha512-${createHash('sha512').update(tgz).digest('base64')}`;
    if (actual !== pkg.integrity)
      throw new Error(`npm pack ${pkg.spec}: integrity ${actual} ≠ pinned ${pkg.integrity}`);
    return tgz;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** One regular file from a .tgz (ustar; npm's tarballs), by its path inside the archive (e.g. `package/x.onnx`). */
export function tarEntry(tgz: Buffer, entryPath: string): Buffer {
  const tar = gunzipSync(tgz);
  for (let at = 0; at + 512 <= tar.length; ) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const name = cString(header.subarray(0, 100));
    const prefix = cString(header.subarray(345, 500));
    const size = Number.parseInt(cString(header.subarray(124, 136)).trim() || '0', 8);
    const type = String.fromCharCode(header[156]!);
    const full = prefix ? `${prefix}/${name}` : name;
    if ((type === '0' || type === '\0') && full === entryPath)
      return Buffer.from(tar.subarray(at + 512, at + 512 + size));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`tarball has no file ${entryPath}`);
}

function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return Buffer.from(end < 0 ? bytes : bytes.subarray(0, end)).toString('utf8');
}
