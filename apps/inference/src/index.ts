export * from './frame-processor.ts';
export * from './media/pipeline.ts';
export * from './worker.ts';
