import { readFileSync } from 'node:fs';
import path from 'node:path';

/** A TF.js graph model (model.json + weight shards) with its weights decoded to plain typed arrays. */
export interface TfjsGraphModel {
  /** The parsed model.json. */
  json: TfjsModelJson;
  /** Const node name → decoded value (float weights dequantized to float32). */
  weights: Map<string, TfjsWeight>;
  /** Concatenated weight shards as stored, for handing to tfjs-converter unchanged (parity tests). */
  weightData: Uint8Array;
}

export interface TfjsWeight {
  dtype: 'float32' | 'int32';
  shape: number[];
  values: Float32Array | Int32Array;
}

export interface TfjsNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfjsAttr>;
}

export interface TfjsAttr {
  s?: string;
  i?: string;
  f?: number;
  b?: boolean;
  type?: string;
  list?: { i?: string[]; s?: string[]; f?: number[] };
  shape?: { dim?: { size: string }[] };
  tensor?: unknown;
}

export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; min?: number; scale?: number; original_dtype?: string };
}

export interface TfjsModelJson {
  format: string;
  generatedBy?: string;
  convertedBy?: string;
  signature?: TfjsSignature;
  userDefinedMetadata?: { signature?: TfjsSignature };
  modelTopology: { node: TfjsNode[]; versions?: unknown; library?: unknown };
  weightsManifest: { paths: string[]; weights: TfjsWeightSpec[] }[];
}

export interface TfjsSignature {
  inputs?: Record<string, { name: string }>;
  outputs?: Record<string, { name: string }>;
}

/** Reads a TF.js graph model from disk: `jsonPath` names model.json, shards are resolved beside it. */
export function readTfjsGraphModel(jsonPath: string): TfjsGraphModel {
  const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as TfjsModelJson;
  if (json.format !== 'graph-model') throw new Error(`${jsonPath}: not a TF.js graph model (format ${json.format})`);
  const shards = json.weightsManifest.map((group) =>
    Buffer.concat(group.paths.map((p) => readFileSync(path.join(path.dirname(jsonPath), p)))),
  );
  const weights = new Map<string, TfjsWeight>();
  json.weightsManifest.forEach((group, g) => {
    const shard = shards[g]!;
    let offset = 0;
    for (const spec of group.weights) {
      const { weight, byteLength } = decodeWeight(spec, shard, offset, jsonPath);
      weights.set(spec.name, weight);
      offset += byteLength;
    }
    if (offset !== shard.length)
      throw new Error(`${jsonPath}: weight group ${g} uses ${offset} of ${shard.length} bytes`);
  });
  return { json, weights, weightData: Buffer.concat(shards) };
}

/** The flat list of weight specs in storage order, as tfjs-converter's IO handlers expect. */
export function weightSpecs(json: TfjsModelJson): TfjsWeightSpec[] {
  return json.weightsManifest.flatMap((g) => g.weights);
}

function decodeWeight(
  spec: TfjsWeightSpec,
  shard: Buffer,
  offset: number,
  where: string,
): { weight: TfjsWeight; byteLength: number } {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  const q = spec.quantization;
  const view = new DataView(shard.buffer, shard.byteOffset + offset);
  const dtype = spec.dtype;
  if (dtype !== 'float32' && dtype !== 'int32') {
    throw new Error(`${where}: weight ${spec.name} has unsupported dtype ${dtype}`);
  }
  if (!q) {
    const values = dtype === 'float32' ? new Float32Array(count) : new Int32Array(count);
    for (let i = 0; i < count; i++) {
      values[i] = dtype === 'float32' ? view.getFloat32(4 * i, true) : view.getInt32(4 * i, true);
    }
    return { weight: { dtype, shape: spec.shape, values }, byteLength: 4 * count };
  }
  const values = dtype === 'float32' ? new Float32Array(count) : new Int32Array(count);
  if (q.dtype === 'float16') {
    for (let i = 0; i < count; i++) values[i] = halfToFloat(view.getUint16(2 * i, true));
    return { weight: { dtype, shape: spec.shape, values }, byteLength: 2 * count };
  }
  if (q.dtype === 'uint8' || q.dtype === 'uint16') {
    if (q.min === undefined || q.scale === undefined) throw new Error(`${where}: weight ${spec.name} lacks min/scale`);
    const bytes = q.dtype === 'uint8' ? 1 : 2;
    for (let i = 0; i < count; i++) {
      const raw = bytes === 1 ? view.getUint8(i) : view.getUint16(2 * i, true);
      values[i] = raw * q.scale + q.min;
    }
    return { weight: { dtype, shape: spec.shape, values }, byteLength: bytes * count };
  }
  throw new Error(`${where}: weight ${spec.name} has unsupported quantization ${q.dtype}`);
}

/** IEEE 754 half → float, the way tfjs-core dequantizes float16 weights. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
