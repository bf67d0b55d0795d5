import { AttributeType, ModelProto, OnnxDataType, type OnnxElemType } from './proto.ts';

/**
 * A small builder for ONNX graphs (default domain, opset 13), written to bytes with protobufjs.
 *
 * Usage:
 * ```ts
 * const g = new OnnxGraphBuilder('stylizer');
 * const x = g.input('image', [1, 3, 'h', 'w']);              // float32 unless a type is given
 * const w = g.initializer('w', new Float32Array(27), [1, 3, 3, 3]);
 * const y = g.op('Conv', [x, w], { pads: [1, 1, 1, 1] });   // first output name; g.node(...) returns all outputs
 * const z = g.op('Clip', [y, g.scalar(0), g.scalar(1)]);
 * g.output(z, [1, 1, 'h', 'w'], 'styled');                  // renames z's producer output to 'styled'
 * const bytes = g.toBytes();                                 // Uint8Array for ort.InferenceSession.create(bytes)
 * ```
 * Attributes: an integer `number` → INT, `number[]` → INTS, `string` → STRING; wrap floats as `float(x)` /
 * `floats(xs)` (a JS number cannot tell 1 from 1.0). Dimensions: a number is fixed, a string is a symbolic name.
 * Every value name is unique: `name(hint)` adds a suffix when the hint is taken.
 */
export class OnnxGraphBuilder {
  private readonly nodes: NodeSpec[] = [];
  private readonly inits: TensorSpec[] = [];
  private readonly inputs: ValueSpec[] = [];
  private readonly outputs: ValueSpec[] = [];
  private readonly used = new Set<string>();
  private readonly producers = new Map<string, { node: NodeSpec; slot: number }>();

  constructor(
    readonly graphName: string,
    readonly opset = 13,
  ) {}

  /** A fresh value name starting with `hint` (characters ONNX tools dislike are kept: names are opaque). */
  name(hint: string): string {
    let n = hint;
    for (let i = 1; this.used.has(n); i++) n = `${hint}_${i}`;
    this.used.add(n);
    return n;
  }

  /** Declares a graph input; returns its name (exactly `name`: callers feed it by that name). */
  input(name: string, dims: Dim[], type: OnnxElemType = 'float32'): string {
    if (this.used.has(name)) throw new Error(`onnx builder: input name "${name}" already used`);
    this.used.add(name);
    this.inputs.push({ name, dims, type });
    return name;
  }

  /**
   * Declares `value` a graph output. With `as`, the output is called `as`: the node producing `value` is rewired
   * to write `as` directly (or an Identity is added when `value` is a graph input or initializer).
   */
  output(value: string, dims: Dim[], as?: string, type: OnnxElemType = 'float32'): string {
    let name = value;
    if (as !== undefined && as !== value) {
      const producer = this.producers.get(value);
      if (this.used.has(as)) throw new Error(`onnx builder: output name "${as}" already used`);
      this.used.add(as);
      if (producer && !this.isConsumed(value) && !this.outputs.some((o) => o.name === value)) {
        producer.node.outputs[producer.slot] = as;
        this.producers.delete(value);
        this.producers.set(as, producer);
      } else {
        this.nodes.push({
          opType: 'Identity',
          inputs: [value],
          outputs: [as],
          attrs: {},
          name: this.name(`${as}_identity`),
        });
      }
      name = as;
    }
    this.outputs.push({ name, dims, type });
    return name;
  }

  /** A constant tensor stored in the model (weights). Float32Array → float32, Int32Array → int32, BigInt64Array → int64. */
  initializer(hint: string, data: Float32Array | Int32Array | BigInt64Array, dims: number[]): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (count !== data.length)
      throw new Error(`onnx builder: initializer ${hint} has ${data.length} values, dims say ${count}`);
    const name = this.name(hint);
    const type: OnnxElemType =
      data instanceof Float32Array ? 'float32' : data instanceof Int32Array ? 'int32' : 'int64';
    this.inits.push({ name, dims, type, data });
    return name;
  }

  /** A float32 scalar initializer (for Clip bounds, Mul/Add factors...). */
  scalar(value: number, hint = 'scalar'): string {
    return this.initializer(hint, Float32Array.of(value), []);
  }

  /** A 1-D int64 initializer (for Reshape shapes, Pad pads, Slice starts...). */
  int64s(values: readonly number[], hint = 'ints'): string {
    return this.initializer(hint, BigInt64Array.from(values.map(BigInt)), [values.length]);
  }

  /** Adds a node; returns its output names (fresh names derived from `opts.name` or the op type). */
  node(opType: string, inputs: string[], attrs: Attrs = {}, opts: { outputs?: number; name?: string } = {}): string[] {
    for (const [k, v] of Object.entries(attrs)) encodeAttr(k, v); // fail here, where the mistake is
    const base = opts.name ?? opType.toLowerCase();
    const count = opts.outputs ?? 1;
    const outputs = Array.from({ length: count }, (_, i) => this.name(count === 1 ? base : `${base}_out${i}`));
    const node: NodeSpec = { opType, inputs, outputs, attrs, name: this.name(`${base}_node`) };
    this.nodes.push(node);
    for (const [slot, o] of outputs.entries()) this.producers.set(o, { node, slot });
    return outputs;
  }

  /** `node(...)` for the common single-output case. */
  op(opType: string, inputs: string[], attrs: Attrs = {}, name?: string): string {
    return this.node(opType, inputs, attrs, { name })[0]!;
  }

  /** Serialized ModelProto (IR version 8). */
  toBytes(
    meta: { producer?: string; version?: string; doc?: string; props?: Record<string, string> } = {},
  ): Uint8Array {
    for (const o of this.outputs) {
      if (!this.producers.has(o.name) && !this.inputs.some((i) => i.name === o.name)) {
        throw new Error(`onnx builder: output "${o.name}" is produced by no node`);
      }
    }
    const model = {
      irVersion: 8,
      producerName: meta.producer ?? 'tooncast',
      producerVersion: meta.version ?? '1',
      docString: meta.doc ?? '',
      opsetImport: [{ domain: '', version: this.opset }],
      metadataProps: Object.entries(meta.props ?? {}).map(([key, value]) => ({ key, value })),
      graph: {
        name: this.graphName,
        node: this.nodes.map((n) => ({
          name: n.name,
          opType: n.opType,
          input: n.inputs,
          output: n.outputs,
          attribute: Object.entries(n.attrs).map(([k, v]) => encodeAttr(k, v)),
        })),
        initializer: this.inits.map((t) => ({
          name: t.name,
          dims: t.dims,
          dataType: OnnxDataType[t.type],
          rawData: littleEndianBytes(t.data),
        })),
        input: this.inputs.map(valueInfo),
        output: this.outputs.map(valueInfo),
      },
    };
    return ModelProto.encode(ModelProto.fromObject(model)).finish();
  }

  private isConsumed(value: string): boolean {
    return this.nodes.some((n) => n.inputs.includes(value));
  }
}

/** A dimension: fixed size or symbolic name (e.g. 'batch'). */
export type Dim = number | string;
export type AttrValue = number | number[] | string | FloatAttr | FloatsAttr;
export type Attrs = Record<string, AttrValue>;
interface FloatAttr {
  readonly float: number;
}
interface FloatsAttr {
  readonly floats: readonly number[];
}

/** A FLOAT attribute value. */
export const float = (x: number): FloatAttr => ({ float: x });
/** A FLOATS attribute value. */
export const floats = (xs: readonly number[]): FloatsAttr => ({ floats: xs });

interface NodeSpec {
  opType: string;
  inputs: string[];
  outputs: string[];
  attrs: Attrs;
  name: string;
}
interface TensorSpec {
  name: string;
  dims: number[];
  type: OnnxElemType;
  data: Float32Array | Int32Array | BigInt64Array;
}
interface ValueSpec {
  name: string;
  dims: Dim[];
  type: OnnxElemType;
}

function encodeAttr(name: string, v: AttrValue) {
  if (typeof v === 'string') return { name, type: AttributeType.STRING, s: Buffer.from(v, 'utf8') };
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`onnx builder: attribute ${name}=${v} is not an integer; use float()`);
    return { name, type: AttributeType.INT, i: v };
  }
  if (Array.isArray(v)) {
    if (!v.every(Number.isInteger)) throw new Error(`onnx builder: attribute ${name} has non-integers; use floats()`);
    return { name, type: AttributeType.INTS, ints: v };
  }
  if ('float' in v) return { name, type: AttributeType.FLOAT, f: v.float };
  return { name, type: AttributeType.FLOATS, floats: [...v.floats] };
}

function valueInfo(v: ValueSpec) {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: OnnxDataType[v.type],
        shape: { dim: v.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function littleEndianBytes(data: Float32Array | Int32Array | BigInt64Array): Uint8Array {
  // Typed arrays use the platform byte order; ONNX raw_data is little-endian, as is every platform we run on.
  if (new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1) throw new Error('onnx builder: big-endian host');
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
