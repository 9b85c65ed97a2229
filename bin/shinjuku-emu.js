#!/usr/bin/env node
// Launcher: runs the TypeScript CLI in this process through tsx's loader, so no build step is needed.
//
// Everything is found from this file's own location, never from the current directory: tsx is
// imported by a bare specifier resolved from here (the package's own node_modules, also after
// `npm install -g`), Node runs a symlinked script from its real path (so `npm link` finds the
// checkout's node_modules), and the package's tsconfig.json is named explicitly so that one
// in the user's folder cannot change how the emulator is compiled.
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 6)) {
  // tsx's in-process loader needs module.register (Node 20.6).
  process.stderr.write(`shinjuku-emu: needs Node.js 20.6 or newer (this is ${process.version})\n`);
  process.exit(2);
}

let tsx;
try {
  tsx = await import('tsx/esm/api');
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND') throw e;
  const root = fileURLToPath(new URL('..', import.meta.url));
  process.stderr.write(`shinjuku-emu: its dependencies are not installed (tsx was not found); run 'npm install' in ${root}\n`);
  process.exit(2);
}
tsx.register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
await import('../src/cli/main.ts');
