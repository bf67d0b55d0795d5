export * from './benchmark.ts';
export * from './compositor.ts';
