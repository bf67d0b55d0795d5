import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The FaceMesh topology (468 points: triangulation, canonical UV layout, organ index lists), read at load time from
 * the installed @vladmandic/human sources so the arrays are never copied into this repository.
 */
export interface FaceMeshTopology {
  /** TRI468: vertex index triples. */
  readonly triangles: Uint16Array;
  /** UV468: canonical frontal layout, x right / y down, in [0, 1]. */
  readonly uv: Float32Array;
  /** meshAnnotations: organ name → landmark indices (silhouette, lipsUpperInner, rightEyeUpper0, …). */
  readonly organs: Readonly<Record<string, readonly number[]>>;
}

export const FACE_MESH_POINTS = 468;

interface CoordsModule {
  TRI468: number[];
  UV468: [number, number][];
  meshAnnotations: Record<string, number[]>;
}

async function loadTopology(): Promise<FaceMeshTopology> {
  const require = createRequire(import.meta.url);
  const file = path.join(path.dirname(require.resolve('@vladmandic/human')), '../src/face/facemeshcoords.ts');
  const coords = (await import(pathToFileURL(file).href)) as CoordsModule;
  if (coords.UV468?.length !== FACE_MESH_POINTS || !coords.TRI468?.length || !coords.meshAnnotations) {
    throw new Error(`unexpected FaceMesh topology in ${file}`);
  }
  return {
    triangles: Uint16Array.from(coords.TRI468),
    uv: Float32Array.from(coords.UV468.flat()),
    organs: coords.meshAnnotations,
  };
}

export const FACE_MESH: FaceMeshTopology = await loadTopology();

/** Landmark indices of an organ; throws on an unknown name so typos fail loudly. */
export function organ(name: string): readonly number[] {
  const idx = FACE_MESH.organs[name];
  if (!idx) throw new RangeError(`unknown FaceMesh organ "${name}"`);
  return idx;
}

/** Closed contours built from the annotation halves (each runs corner to corner). */
export const FACE_OVAL = organ('silhouette');
export const INNER_LIPS = [...organ('lipsLowerInner'), ...organ('lipsUpperInner').slice().reverse()];
export const OUTER_LIPS = [...organ('lipsLowerOuter'), ...organ('lipsUpperOuter').slice().reverse()];
export const RIGHT_EYE = [...organ('rightEyeLower0'), ...organ('rightEyeUpper0').slice().reverse()];
export const LEFT_EYE = [...organ('leftEyeLower0'), ...organ('leftEyeUpper0').slice().reverse()];
