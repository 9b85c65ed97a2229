// A piscina worker thread of `shinjuku-emu sweep`. Worker threads do not
// inherit the main thread's module hooks on every Node version, so this
// plain-JavaScript entry registers tsx itself and then loads the TypeScript
// task (the same way bin/shinjuku-emu.js starts the CLI).
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../../tsconfig.json', import.meta.url)) });
const { runUnit } = await import('./sweepTask.ts');

export default function task(t) {
  return runUnit(t);
}
