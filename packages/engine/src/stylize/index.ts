export * from './character.ts';
export * from './fromConfig.ts';
export * from './graph.ts';
export * from './stylizer.ts';
