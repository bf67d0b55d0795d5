export * from './compositor.ts';
