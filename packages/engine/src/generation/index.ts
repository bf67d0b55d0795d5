export * from './firstFace.ts';
export * from './flow.ts';
export * from './fromConfig.ts';
export * from './fusion.ts';
export * from './identity.ts';
export * from './onnxFaceGenerator.ts';
export * from './selfie.ts';
export * from './warp.ts';
