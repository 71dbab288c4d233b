export * from './alarm-topic';
export * from './alarm-factory';
export * from './thresholds';
export * from './fleet-alarms';
export * from './database-alarms';
export * from './cache-alarms';
export * from './lambda-alarms';
export * from './monitoring';
