// Entry of an analysis worker thread run from the TypeScript sources (tests, benchmarks): loaders
// registered on the main thread do not reach workers, so the thread registers tsx itself before
// loading the TypeScript side. The compiled build (dist/) starts analysis-worker.js directly.
import { register } from 'tsx/esm/api';

register();
await import('./analysis-worker.ts');
