export * from './av-probe.ts';
