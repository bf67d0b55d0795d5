export { type Attrs, type AttrValue, type Dim, float, floats, OnnxGraphBuilder } from './builder.ts';
export type { OnnxElemType } from './proto.ts';
