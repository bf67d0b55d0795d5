import { type Attrs, float, OnnxGraphBuilder } from '../onnx/index.ts';
import type { TfjsAttr, TfjsGraphModel, TfjsNode, TfjsWeight } from './graph-model.ts';
import { CONVERTER_VERSION } from './version.ts';

/**
 * Converts a TF.js graph model (NHWC, TF semantics) to an ONNX model (opset 13).
 *
 * Layout: the NHWC graph input is transposed to NCHW once; every 4-D activation then stays NCHW (ONNX's Conv/
 * MaxPool layout) and goes back to NHWC only where NHWC order matters: reshapes, softmax, outputs. Shapes are tracked
 * statically in NHWC terms (batch = -1) so that TF 'SAME' padding becomes exact explicit pads (the odd pixel at the
 * end, as TF does). Graph inputs and outputs keep the names and NHWC shapes TF.js shows (signature keys).
 */
export function convertTfjsGraph(model: TfjsGraphModel, graphName: string): Uint8Array {
  return new TfjsToOnnx(model, graphName).run();
}

type Layout = 'nchw' | 'plain';

/** A converted TF tensor: its ONNX value name, layout, and logical (TF, NHWC) shape with batch -1. */
interface Value {
  name: string;
  layout: Layout;
  shape: number[];
}

const NHWC_TO_NCHW = [0, 3, 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];

class TfjsToOnnx {
  private readonly g: OnnxGraphBuilder;
  private readonly values = new Map<string, Value>();
  private readonly consts = new Map<string, TfjsWeight>();
  private readonly plainCache = new Map<string, Value>();

  constructor(
    private readonly model: TfjsGraphModel,
    graphName: string,
  ) {
    this.g = new OnnxGraphBuilder(graphName);
  }

  run(): Uint8Array {
    const { json } = this.model;
    const signature = json.signature ?? json.userDefinedMetadata?.signature;
    const nodes = json.modelTopology.node;
    const inputNames = Object.keys(signature?.inputs ?? {});
    const outputKeys = Object.entries(signature?.outputs ?? {});
    if (inputNames.length !== 1 || outputKeys.length === 0) {
      throw new Error(`${this.g.graphName}: expected a signature with one input and some outputs`);
    }
    for (const node of nodes) {
      if (node.op === 'Const') this.addConst(node);
      else if (node.op === 'Placeholder') this.addInput(node, inputNames[0]!);
    }
    for (const node of topologicalOrder(nodes)) {
      if (node.op !== 'Const' && node.op !== 'Placeholder') this.convertNode(node);
    }
    for (const [key, { name }] of outputKeys) {
      const v = this.toPlain(this.value(name));
      this.g.output(v.name, v.shape.map(dimOf), key);
    }
    return this.g.toBytes({
      producer: 'tooncast-models',
      version: CONVERTER_VERSION,
      doc: `converted from TF.js graph model (${json.convertedBy ?? 'unknown'}; source ${json.generatedBy ?? 'unknown'})`,
    });
  }

  private addConst(node: TfjsNode) {
    const w = this.model.weights.get(node.name);
    if (!w) throw new Error(`${this.g.graphName}: const ${node.name} has no weight data`);
    this.consts.set(node.name, w);
  }

  private addInput(node: TfjsNode, onnxName: string) {
    const shape = (node.attr?.shape?.shape?.dim ?? []).map((d) => Number(d.size));
    if (shape.length !== 4) throw new Error(`${this.g.graphName}: input ${node.name} is not 4-D NHWC`);
    const input = this.g.input(onnxName, shape.map(dimOf));
    const nchw = this.g.op('Transpose', [input], { perm: NHWC_TO_NCHW }, 'input_nchw');
    this.values.set(node.name, { name: nchw, layout: 'nchw', shape });
  }

  private convertNode(node: TfjsNode) {
    const ins = (node.input ?? []).filter((i) => !i.startsWith('^'));
    const a = node.attr ?? {};
    const set = (v: Value) => this.values.set(node.name, v);
    switch (node.op) {
      case 'Identity':
        return set(this.value(ins[0]!));
      case '_FusedConv2D':
      case 'Conv2D':
      case 'DepthwiseConv2dNative':
        return set(this.conv(node, ins, a));
      case 'MaxPool':
        return set(this.maxPool(node, ins, a));
      case 'Add':
      case 'AddV2':
        return set(this.binary('Add', node, ins));
      case 'Mul':
        return set(this.binary('Mul', node, ins));
      case 'Minimum':
        return set(this.binary('Min', node, ins));
      case 'Maximum':
        return set(this.binary('Max', node, ins));
      case 'Prelu': {
        const x = this.value(ins[0]!);
        const c = this.consts.has(ins[1]!) ? this.constOf(ins[1]!, node) : undefined;
        const channels = x.shape[3]!;
        if (x.layout !== 'nchw' || !c || c.values.length !== channels) return set(this.binary('PRelu', node, ins));
        return set({ ...x, name: this.prelu(x.name, c.values as Float32Array, node.name) });
      }
      case 'Relu':
      case 'Sigmoid': {
        const x = this.value(ins[0]!);
        return set({ ...x, name: this.g.op(node.op, [x.name], {}, node.name) });
      }
      case 'Softmax': {
        const x = this.toPlain(this.value(ins[0]!));
        return set({ ...x, name: this.g.op('Softmax', [x.name], { axis: -1 }, node.name) });
      }
      case 'Pad':
        return set(this.pad(node, ins));
      case 'Reshape':
        return set(this.reshape(node, ins));
      case 'Mean':
        return set(this.mean(node, ins, a));
      case 'ConcatV2':
        return set(this.concat(node, ins));
      case '_FusedMatMul':
        return set(this.matMul(node, ins, a));
      default:
        throw new Error(`${this.g.graphName}: unsupported TF op ${node.op} (node ${node.name})`);
    }
  }

  private conv(node: TfjsNode, ins: string[], a: Record<string, TfjsAttr>): Value {
    const x = this.nchw(this.value(ins[0]!), node);
    const filter = this.constOf(ins[1]!, node);
    const [kh, kw, cin, m] = filter.shape as [number, number, number, number];
    const depthwise = node.op === 'DepthwiseConv2dNative';
    const strides = ints(a.strides).slice(1, 3);
    const dilations = a.dilations ? ints(a.dilations).slice(1, 3) : [1, 1];
    if (ints(a.strides)[0] !== 1 || ints(a.strides)[3] !== 1) throw new Error(`${node.name}: batch/channel stride`);
    const [h, w] = [x.shape[1]!, x.shape[2]!];
    const { pads, outH, outW } = spatialPads(str(a.padding), [h, w], [kh, kw], strides, dilations, node.name);
    const cout = depthwise ? cin * m : m;
    // TF HWIO (or H W C M for depthwise) → ONNX OIHW; depthwise output channel c*M+m matches group=C.
    const weights = depthwise
      ? permute(filter.values as Float32Array, [kh, kw, cin, m], [2, 3, 0, 1])
      : permute(filter.values as Float32Array, [kh, kw, cin, m], [3, 2, 0, 1]);
    const wName = this.g.initializer(
      `${node.name}/weights`,
      weights,
      depthwise ? [cin * m, 1, kh, kw] : [m, cin, kh, kw],
    );
    const convIns = [x.name, wName];
    const fused = node.op === '_FusedConv2D' ? strs(a.fused_ops) : [];
    if (fused.length > 0) {
      if (fused[0] !== 'BiasAdd') throw new Error(`${node.name}: unsupported fused ops ${fused.join(',')}`);
      const bias = this.constOf(ins[2]!, node);
      convIns.push(this.g.initializer(`${node.name}/bias`, bias.values as Float32Array, [cout]));
    }
    const attrs: Attrs = { kernel_shape: [kh, kw], strides, dilations, pads, group: depthwise ? cin : 1 };
    let y = this.g.op('Conv', convIns, attrs, node.name);
    const activation = fused[1];
    if (activation === 'Relu') y = this.g.op('Relu', [y], {}, `${node.name}/relu`);
    else if (activation === 'Prelu') {
      const alpha = this.constOf(ins[3]!, node);
      y = this.prelu(y, channelVector(alpha, cout, node.name), `${node.name}/prelu`);
    } else if (activation !== undefined || fused.length > 2) {
      throw new Error(`${node.name}: unsupported fused ops ${fused.join(',')}`);
    }
    return { name: y, layout: 'nchw', shape: [x.shape[0]!, outH, outW, cout] };
  }

  /**
   * PRelu as (1 − slope)·Relu(x) + slope·x, the two per-channel scales written as BatchNormalization. onnxruntime's
   * CPU PRelu takes a slow broadcasting path, and Mul/Sub leave its blocked (NCHWc) layout, so every conv paid two
   * layout reorders; Relu, BatchNormalization (a 1×1 depthwise conv there) and Add all stay blocked. FaceMesh and the
   * iris model run in 0.7× the time of the earlier Relu/Sub/Mul/Add form.
   */
  private prelu(x: string, slope: Float32Array, name: string): string {
    const channels = slope.length;
    const zero = this.g.initializer(`${name}/zero`, new Float32Array(channels), [channels]);
    const one = this.g.initializer(`${name}/one`, new Float32Array(channels).fill(1), [channels]);
    const scale = (input: string, by: Float32Array, tag: string) => {
      const factor = this.g.initializer(`${name}/${tag}/scale`, by, [channels]);
      return this.g.op('BatchNormalization', [input, factor, zero, zero, one], { epsilon: float(0) }, `${name}/${tag}`);
    };
    const positive = this.g.op('Relu', [x], {}, `${name}/positive`);
    const bent = scale(
      positive,
      slope.map((s) => 1 - s),
      'bent',
    );
    return this.g.op('Add', [bent, scale(x, slope, 'linear')], {}, name);
  }

  private maxPool(node: TfjsNode, ins: string[], a: Record<string, TfjsAttr>): Value {
    const x = this.nchw(this.value(ins[0]!), node);
    const k = ints(a.ksize).slice(1, 3);
    const strides = ints(a.strides).slice(1, 3);
    const { pads, outH, outW } = spatialPads(str(a.padding), [x.shape[1]!, x.shape[2]!], k, strides, [1, 1], node.name);
    const y = this.g.op('MaxPool', [x.name], { kernel_shape: k, strides, pads }, node.name);
    return { name: y, layout: 'nchw', shape: [x.shape[0]!, outH, outW, x.shape[3]!] };
  }

  /** Elementwise op with TF (numpy) broadcasting; constants are laid out to broadcast against NCHW activations. */
  private binary(op: string, node: TfjsNode, ins: string[]): Value {
    const operands = ins.map((i) => (this.consts.has(i) ? null : this.value(i)));
    const activations = operands.filter((v): v is Value => v !== null);
    if (activations.length === 0) throw new Error(`${node.name}: elementwise op on constants only`);
    const layout: Layout = activations.every((v) => v.layout === 'nchw') ? 'nchw' : 'plain';
    const rank = Math.max(...activations.map((v) => v.shape.length));
    const names = ins.map((input, i) => {
      const v = operands[i];
      if (v) return (layout === 'plain' ? this.toPlain(v) : v).name;
      const c = this.constOf(input, node);
      if (c.dtype !== 'float32') throw new Error(`${node.name}: integer operand ${input}`);
      if (layout === 'plain' || c.shape.length === 0) {
        return this.g.initializer(input, c.values as Float32Array, c.shape);
      }
      // Pad the TF shape to rank 4 (numpy rules), then move its axes like the activation's.
      const shape4 = [...Array(rank - c.shape.length).fill(1), ...c.shape];
      const data = permute(c.values as Float32Array, shape4, NHWC_TO_NCHW);
      return this.g.initializer(
        input,
        data,
        NHWC_TO_NCHW.map((d) => shape4[d]!),
      );
    });
    const shape = broadcastShapes(ins.map((input, i) => operands[i]?.shape ?? this.constOf(input, node).shape));
    return { name: this.g.op(op, names, {}, node.name), layout, shape };
  }

  private pad(node: TfjsNode, ins: string[]): Value {
    const x = this.value(ins[0]!);
    const p = Array.from(this.constOf(ins[1]!, node).values);
    const rank = x.shape.length;
    const axes = x.layout === 'nchw' ? NHWC_TO_NCHW : [...Array(rank).keys()];
    const begin = axes.map((d) => p[2 * d]!);
    const end = axes.map((d) => p[2 * d + 1]!);
    const y = this.g.op(
      'Pad',
      [x.name, this.g.int64s([...begin, ...end], `${node.name}/pads`)],
      { mode: 'constant' },
      node.name,
    );
    const shape = x.shape.map((s, d) => (s < 0 ? s : s + p[2 * d]! + p[2 * d + 1]!));
    return { name: y, layout: x.layout, shape };
  }

  private reshape(node: TfjsNode, ins: string[]): Value {
    const x = this.toPlain(this.value(ins[0]!));
    const target = Array.from(this.constOf(ins[1]!, node).values);
    const y = this.g.op('Reshape', [x.name, this.g.int64s(target, `${node.name}/shape`)], {}, node.name);
    return { name: y, layout: 'plain', shape: resolveReshape(x.shape, target) };
  }

  private mean(node: TfjsNode, ins: string[], a: Record<string, TfjsAttr>): Value {
    const x0 = this.value(ins[0]!);
    const rank = x0.shape.length;
    const tfAxes = Array.from(this.constOf(ins[1]!, node).values).map((d) => (d < 0 ? d + rank : d));
    const keep = a.keep_dims?.b === true;
    const remaining = [...Array(rank).keys()].filter((d) => !tfAxes.includes(d));
    // Reducing NCHW directly is right when the surviving axes keep their NHWC order (e.g. global pooling → [N, C]).
    const direct = x0.layout === 'nchw' && (keep || isSorted(remaining.map((d) => NHWC_TO_NCHW.indexOf(d))));
    const x = direct ? x0 : this.toPlain(x0);
    const axes = x.layout === 'nchw' ? tfAxes.map((d) => NHWC_TO_NCHW.indexOf(d)) : tfAxes;
    const y = this.g.op('ReduceMean', [x.name], { axes, keepdims: keep ? 1 : 0 }, node.name);
    const shape = keep ? x0.shape.map((s, d) => (tfAxes.includes(d) ? 1 : s)) : remaining.map((d) => x0.shape[d]!);
    return { name: y, layout: keep ? x.layout : 'plain', shape };
  }

  private concat(node: TfjsNode, ins: string[]): Value {
    const parts = ins.slice(0, -1).map((i) => this.value(i));
    const rank = parts[0]!.shape.length;
    const raw = this.constOf(ins[ins.length - 1]!, node).values[0]!;
    const axis = raw < 0 ? raw + rank : raw;
    const layout: Layout = parts.every((p) => p.layout === 'nchw') ? 'nchw' : 'plain';
    const names = parts.map((p) => (layout === 'plain' ? this.toPlain(p) : p).name);
    const onnxAxis = layout === 'nchw' ? NHWC_TO_NCHW.indexOf(axis) : axis;
    const y = this.g.op('Concat', names, { axis: onnxAxis }, node.name);
    const shape = parts[0]!.shape.map((s, d) => (d === axis ? parts.reduce((t, p) => t + p.shape[d]!, 0) : s));
    return { name: y, layout, shape };
  }

  private matMul(node: TfjsNode, ins: string[], a: Record<string, TfjsAttr>): Value {
    const x = this.toPlain(this.value(ins[0]!));
    const w = this.constOf(ins[1]!, node);
    const fused = strs(a.fused_ops);
    if (x.shape.length !== 2 || w.shape.length !== 2) throw new Error(`${node.name}: MatMul expects 2-D operands`);
    const transA = a.transpose_a?.b ? 1 : 0;
    const transB = a.transpose_b?.b ? 1 : 0;
    const out = transB ? w.shape[0]! : w.shape[1]!;
    const gemmIns = [x.name, this.g.initializer(`${node.name}/kernel`, w.values as Float32Array, w.shape)];
    if (fused[0] === 'BiasAdd')
      gemmIns.push(this.g.initializer(`${node.name}/bias`, this.constOf(ins[2]!, node).values as Float32Array, [out]));
    else if (fused.length > 0) throw new Error(`${node.name}: unsupported fused ops ${fused.join(',')}`);
    let y = this.g.op('Gemm', gemmIns, { transA, transB }, node.name);
    if (fused[1] === 'Relu') y = this.g.op('Relu', [y], {}, `${node.name}/relu`);
    else if (fused.length > 1) throw new Error(`${node.name}: unsupported fused ops ${fused.join(',')}`);
    return { name: y, layout: 'plain', shape: [transA ? x.shape[1]! : x.shape[0]!, out] };
  }

  private value(ref: string): Value {
    const [name, index] = ref.split(':');
    if (index && index !== '0') throw new Error(`${this.g.graphName}: output ${ref} of a multi-output op`);
    const v = this.values.get(name!);
    if (!v) throw new Error(`${this.g.graphName}: tensor ${ref} is not available (constant used as activation?)`);
    return v;
  }

  private constOf(ref: string, node: TfjsNode): TfjsWeight {
    const c = this.consts.get(ref);
    if (!c) throw new Error(`${node.name}: input ${ref} must be a constant`);
    return c;
  }

  private nchw(v: Value, node: TfjsNode): Value {
    if (v.layout !== 'nchw' || v.shape.length !== 4) throw new Error(`${node.name}: expects a 4-D NHWC activation`);
    return v;
  }

  /** The value in TF's own axis order (NHWC for 4-D); one Transpose per value at most. */
  private toPlain(v: Value): Value {
    if (v.layout === 'plain') return v;
    const cached = this.plainCache.get(v.name);
    if (cached) return cached;
    const plain: Value = {
      ...v,
      layout: 'plain',
      name: this.g.op('Transpose', [v.name], { perm: NCHW_TO_NHWC }, `${v.name}/nhwc`),
    };
    this.plainCache.set(v.name, plain);
    return plain;
  }
}

/** TF padding → ONNX pads [top, left, bottom, right] and output size; SAME puts the odd pixel at the end like TF. */
function spatialPads(
  padding: string,
  size: number[],
  kernel: number[],
  strides: number[],
  dilations: number[],
  where: string,
) {
  const out: number[] = [];
  const begin: number[] = [];
  const end: number[] = [];
  for (let d = 0; d < 2; d++) {
    const span = (kernel[d]! - 1) * dilations[d]! + 1;
    if (padding === 'VALID') {
      out.push(Math.floor((size[d]! - span) / strides[d]!) + 1);
      begin.push(0);
      end.push(0);
    } else if (padding === 'SAME') {
      const o = Math.ceil(size[d]! / strides[d]!);
      const total = Math.max((o - 1) * strides[d]! + span - size[d]!, 0);
      out.push(o);
      begin.push(Math.floor(total / 2));
      end.push(total - Math.floor(total / 2));
    } else {
      throw new Error(`${where}: unsupported padding ${padding}`);
    }
  }
  return { pads: [...begin, ...end], outH: out[0]!, outW: out[1]! };
}

/** Reorders a row-major tensor's axes: result axis i is source axis perm[i]. */
function permute(data: Float32Array, shape: number[], perm: number[]): Float32Array {
  const outShape = perm.map((p) => shape[p]!);
  const srcStrides = stridesOf(shape);
  const out = new Float32Array(data.length);
  const idx = new Array(perm.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < perm.length; i++) src += idx[i] * srcStrides[perm[i]!]!;
    out[o] = data[src]!;
    for (let i = perm.length - 1; i >= 0; i--) {
      if (++idx[i] < outShape[i]!) break;
      idx[i] = 0;
    }
  }
  return out;
}

function stridesOf(shape: number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

/** A per-channel constant (TF shape [C], [1,1,C]...) as a flat length-C vector. */
function channelVector(c: TfjsWeight, channels: number, where: string): Float32Array {
  if (c.values.length !== channels)
    throw new Error(`${where}: expected ${channels} per-channel values, got ${c.values.length}`);
  return c.values as Float32Array;
}

function broadcastShapes(shapes: number[][]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  return Array.from({ length: rank }, (_, i) =>
    Math.max(...shapes.map((s) => s[s.length - rank + i] ?? 1).map((d) => (d < 0 ? Number.POSITIVE_INFINITY : d))),
  ).map((d) => (d === Number.POSITIVE_INFINITY ? -1 : d));
}

function resolveReshape(from: number[], target: number[]): number[] {
  const known = from.filter((d) => d > 0).reduce((a, b) => a * b, 1);
  const fixed = target.filter((d) => d > 0).reduce((a, b) => a * b, 1);
  const unknowns = target.filter((d) => d < 0).length;
  // With a dynamic batch the -1 stands for it; with a fixed size it is whatever is left.
  return target.map((d) => (d >= 0 ? d : from.some((s) => s < 0) || unknowns > 1 ? -1 : known / fixed));
}

function topologicalOrder(nodes: TfjsNode[]): TfjsNode[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const done = new Set<string>();
  const order: TfjsNode[] = [];
  const visit = (n: TfjsNode, depth: number) => {
    if (done.has(n.name)) return;
    if (depth > nodes.length) throw new Error(`cycle at ${n.name}`);
    for (const ref of n.input ?? []) {
      const dep = byName.get(ref.replace(/^\^/, '').split(':')[0]!);
      if (dep) visit(dep, depth + 1);
    }
    done.add(n.name);
    order.push(n);
  };
  for (const n of nodes) visit(n, 0);
  return order;
}

const isSorted = (xs: number[]) => xs.every((x, i) => i === 0 || xs[i - 1]! < x);
const dimOf = (d: number) => (d < 0 ? 'batch' : d);
const ints = (a: TfjsAttr | undefined) => (a?.list?.i ?? []).map(Number);
const str = (a: TfjsAttr | undefined) => Buffer.from(a?.s ?? '', 'base64').toString('utf8');
const strs = (a: TfjsAttr | undefined) => (a?.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString('utf8'));
