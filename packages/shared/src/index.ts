export * from './config.ts';
export * from './debug-view.ts';
export * from './image.ts';
export * from './logger.ts';
export * from './presence.ts';
export * from './protocol.ts';
