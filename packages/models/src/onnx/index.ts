export { type Attrs, type AttrValue, type Dim, float, floats, OnnxGraphBuilder } from './builder.ts';
export { OnnxDataType, type OnnxElemType } from './proto.ts';
