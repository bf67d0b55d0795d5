export * from './config.ts';
export * from './image.ts';
export * from './logger.ts';
