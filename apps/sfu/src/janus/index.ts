export * from './connection.ts';
export * from './streaming.ts';
export * from './videoroom.ts';
