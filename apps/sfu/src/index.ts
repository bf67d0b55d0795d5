export * from './errors.ts';
export * from './janus/index.ts';
export * from './selfie.ts';
export * from './services/janus-process.ts';
export * from './services/ports.ts';
export * from './services/redis-process.ts';
export * from './sfu-node.ts';
export * from './tokens.ts';
