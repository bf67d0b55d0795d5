export * from './graph.ts';
export * from './stylizer.ts';
