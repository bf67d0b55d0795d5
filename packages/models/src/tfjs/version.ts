/** Bump when the TF.js → ONNX conversion changes its output, so cached ONNX files are rebuilt. */
export const CONVERTER_VERSION = 'tfjs2onnx-3';
