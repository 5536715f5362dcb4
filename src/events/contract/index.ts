export * from './registry-event';
