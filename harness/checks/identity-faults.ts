// Kept for harness/engine/identity-requests.ts, which imports clientRegions
// from here: it lives in identity-history.ts, the kinds in kinds/. Remove
// once the engine imports it from there.
export { clientRegions } from './identity-history.js';
