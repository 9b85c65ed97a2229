/**
 * One unit of a sweep (a replica of a point), as a worker thread runs it:
 * build nothing (the main thread built the image), run the point, return
 * the result with its histograms (a plain object: it crosses threads by
 * structured clone).
 */
import { runPoint } from './server.js';
import { pointResult, type PointResult } from './metrics.js';
import { loadProfile } from '../profile/load.js';
import type { UnitTask } from './sweep.js';

export function runUnit(t: UnitTask): PointResult {
  const raw = runPoint(t.config, t.profile ? { profile: loadProfile(t.profile) } : {});
  const r = pointResult(raw);
  // Plain data only: the config is already plain; drop nothing the merge needs.
  return JSON.parse(JSON.stringify(r)) as PointResult;
}

export default runUnit;
