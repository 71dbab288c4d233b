export * from './schema';
export * from './defaults';
export * from './validate';
export * from './load';
export * from './derived';
export * from './profiles';
export * from './schedule';
export * from './facts';
