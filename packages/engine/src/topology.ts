import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The MediaPipe FaceMesh topology (named organ index lists, triangulation, canonical UV layout of the 468 points),
 * read at run time from the MIT-licensed `@vladmandic/human` sources so the project never carries a copy.
 */
export interface FaceTopology {
  /** Named index lists into the 468 landmarks (silhouette, lipsUpperOuter, rightEyeUpper0, ...). */
  annotations: Readonly<Record<string, readonly number[]>>;
  /** Triangles over the 468 landmarks, three indices each. */
  triangles: Uint16Array;
  /** Canonical frontal positions of the 468 landmarks in [0,1]². */
  uv: readonly (readonly [number, number])[];
}

let cached: Promise<FaceTopology> | undefined;

export function loadFaceTopology(): Promise<FaceTopology> {
  cached ??= (async () => {
    const require = createRequire(import.meta.url);
    // The package's exports map hides src/, so locate it from its resolvable main entry.
    const main = require.resolve('@vladmandic/human');
    const file = path.join(path.dirname(main), '..', 'src', 'face', 'facemeshcoords.ts');
    const mod = (await import(pathToFileURL(file).href)) as {
      meshAnnotations: Record<string, number[]>;
      TRI468: number[];
      UV468: [number, number][];
    };
    return { annotations: mod.meshAnnotations, triangles: Uint16Array.from(mod.TRI468), uv: mod.UV468 };
  })();
  return cached;
}
