/**
 * Turning the <image> argument into an ELF file to boot: an ELF path is used
 * as is; a C source is first compiled as a guest (linked with guest/lib/rt.c).
 */
import { accessSync, constants, statSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { buildGuestImage, repoRoot } from '../guest/build.js';
import { InputError } from './errors.js';

export function isCSource(path: string): boolean {
  return path.endsWith('.c');
}

/** Fails with a one-line InputError unless `path` is a readable regular file. */
export function checkReadable(path: string, what: string): void {
  let problem: string | null = null;
  try {
    if (statSync(path).isDirectory()) problem = 'it is a directory';
    else accessSync(path, constants.R_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    problem = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'ENOTDIR' ? 'a part of the path is not a directory' : `cannot read it (${code ?? (e as Error).message})`;
  }
  if (problem) throw new InputError(`${what} '${path}': ${problem}`);
}

function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOTDIR' ? 'a part of the path is not a directory' : code ?? (e as Error).message;
}

/**
 * Fails with a one-line InputError unless a file can be written at `path`:
 * for outputs written after a run, so that a typo costs nothing.
 */
export function checkWritable(path: string, what: string): void {
  let problem: string | null = null;
  try {
    if (statSync(path).isDirectory()) problem = 'it is a directory';
    else accessSync(path, constants.W_OK);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') problem = errnoText(e);
    else {
      // A new file: its folder must exist and take new files.
      const dir = dirname(path);
      try {
        if (!statSync(dir).isDirectory()) problem = `'${dir}' is not a directory`;
        else accessSync(dir, constants.W_OK);
      } catch (e2) {
        const code = (e2 as NodeJS.ErrnoException).code;
        problem = code === 'ENOENT' ? `there is no folder '${dir}'` : code === 'EACCES' || code === 'EPERM' ? `cannot create files in '${dir}' (permission denied)` : errnoText(e2);
      }
    }
  }
  if (problem) throw new InputError(`cannot write ${what} to '${path}': ${problem}`);
}

/**
 * Path of the ELF image to boot. buildGuestImage takes sources relative to
 * the repository root, so a source anywhere else is given as a ../ path.
 */
export function resolveImage(path: string, more: string[] = []): string {
  checkReadable(path, isCSource(path) ? 'C source' : 'image');
  if (!isCSource(path)) {
    if (more.length > 0) throw new InputError(`extra sources (${more.join(', ')}) only go with a .c image to build`);
    return path;
  }
  for (const m of more) {
    if (!/\.(c|S)$/.test(m)) throw new InputError(`'${m}': extra sources must be .c or .S files`);
    checkReadable(m, 'source');
  }
  // The build name becomes a file name in the cache; keep it to the characters build.ts allows.
  const name = basename(path, '.c').replace(/[^A-Za-z0-9_.-]/g, '_') || 'guest';
  return buildGuestImage({ name, sources: [path, ...more].map((p) => relative(repoRoot, resolve(p))) });
}

/** The `<image> [more..]` positionals shared by run, debug and trace. */
export function imagePositionals<T>(y: Argv<T>) {
  return y
    .positional('image', {
      describe: 'guest ELF64 image; a .c file is first compiled as a guest (gcc, linked with guest/lib/rt.c, cached under .cache/)',
      type: 'string',
      demandOption: true,
    })
    .positional('more', {
      describe: 'further .c/.S sources linked into the same guest (when <image> is a .c file)',
      type: 'string',
      array: true,
    });
}

/** Extra sources from the parsed `more` positional. */
export function moreSources(a: { more?: (string | number)[] }): string[] {
  return (a.more ?? []).map(String);
}
