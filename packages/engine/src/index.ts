export * from './analysis/index.ts';
export * from './geometry.ts';
export * from './timing.ts';
export * from './topology.ts';
