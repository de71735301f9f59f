// Kept for harness/engine/ha.ts, which imports the probe interval from here:
// the split-brain kind lives in kinds/split-brain.ts. Remove once the engine
// imports it from there.
export { PROBE_INTERVAL_MS } from './kinds/split-brain.js';
