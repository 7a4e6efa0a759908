// Entry of an analysis worker thread: loaders registered on the main thread do not reach workers,
// so the thread registers tsx itself (as bin/warden.mjs does) before loading the TypeScript side.
import { register } from 'tsx/esm/api';

register();
await import('./analysis-worker.ts');
