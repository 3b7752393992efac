export * from './ids.js';
export * from './modals.js';
export * from './messages.js';
