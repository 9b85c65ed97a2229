/**
 * Builds guest programs (C sources under guest/) into images, on demand and cached.
 *
 * Two flavours of the same sources: a freestanding static ELF64 that the emulator
 * (and QEMU and Bochs, through the same multiboot loader) boots, and a normal host executable
 * (-DRT_NATIVE) whose output is the reference for differential tests.
 *
 * Builds are keyed by the content of everything that can change the output
 * (compiler identity, flags, sources, guest/lib), so the cache never needs to be
 * invalidated by hand, and results land atomically so that parallel test workers
 * building the same image at once cannot observe a half-written file.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface GuestBuild {
  /** File name of the result (without extension); also names the build in error messages. */
  name: string;
  /**
   * Repo-relative source paths (.c or .S); guest/lib/rt.c is added
   * automatically, and so are the companions the sources name (see
   * withCompanions).
   */
  sources: string[];
  cflags?: string[];
  /**
   * Integer-only code generation (-mgeneral-regs-only): no SSE/x87 in the
   * compiled code, for guests that run with the FPU off or must not touch
   * vector state. The runtime's start-up still enables FP/SSE.
   */
  integerOnly?: boolean;
}

/** The compiler or linker is not installed / not runnable: a setup problem, not a bug in the guest. */
export class ToolchainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolchainError';
  }
}

/** gcc rejected the guest sources; `stderr` is gcc's own diagnostics. */
export class GuestBuildError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'GuestBuildError';
  }
}

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const libDir = join(repoRoot, 'guest', 'lib');
const runtimeSource = 'guest/lib/rt.c';

/**
 * The first of `candidates` that exists as (or can be made into) a writable
 * directory, or null.
 */
export function firstWritableDir(candidates: string[]): string | null {
  for (const dir of candidates) {
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, constants.W_OK);
      return dir;
    } catch {
      // not creatable or not writable: try the next
    }
  }
  return null;
}

let cacheDir: string | null = null;

/**
 * Where built images are kept: $SHINJUKU_CACHE if set, else .cache/guest in
 * the package (a checkout), else the user's cache folder - a package
 * installed with `sudo npm install -g` is not writable by the user who runs it.
 */
export function guestCacheDir(): string {
  if (cacheDir !== null) return cacheDir;
  const env = process.env.SHINJUKU_CACHE;
  const candidates = env
    ? [join(resolve(env), 'guest')]
    : [join(repoRoot, '.cache', 'guest'), join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'shinjuku-emu', 'guest')];
  cacheDir = firstWritableDir(candidates);
  if (cacheDir === null) throw new ToolchainError(`guest build needs a writable cache folder; none of ${candidates.join(', ')} could be created (set SHINJUKU_CACHE to one that can)`);
  return cacheDir;
}

/** Every .h under guest/ (outside guest/lib, hashed above), repo-relative and sorted. */
function guestHeaders(): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(join(repoRoot, rel), { withFileTypes: true })) {
      const p = `${rel}/${e.name}`;
      if (e.isDirectory() && p !== 'guest/lib') walk(p);
      else if (e.isFile() && e.name.endsWith('.h')) out.push(p);
    }
  };
  walk('guest');
  return out.sort();
}

/**
 * The guest ABI (docs/architecture.md, "Guest ABI"): a static, non-PIE ELF64 with no libc.
 * Ordinary x86-64 code generation, SSE included (the runtime's _start enables
 * FP/SSE/AVX as a kernel would; `integerOnly` adds -mgeneral-regs-only);
 * -mno-red-zone because interrupts are delivered on the
 * same stack in ring 0 (no stack switch), which would clobber a red zone;
 * --build-id=none keeps images byte-identical across hosts for the same input.
 * -lgcc supplies __divti3 and friends for __int128 and __popcountdi2.
 */
const GUEST_FLAGS = [
  '-O2',
  '-ffreestanding',
  '-mno-red-zone',
  '-fno-pic',
  '-no-pie',
  '-static',
  '-nostdlib',
  '-fno-stack-protector',
  '-fno-asynchronous-unwind-tables',
  '-Wl,--build-id=none',
];
const NATIVE_FLAGS = ['-O2', '-DRT_NATIVE'];

/** Counts real compiler runs in this process, so tests can tell a cache hit from a rebuild. */
export const buildStats = { compilerRuns: 0 };

function compilerName(): string {
  return process.env.SHINJUKU_CC || 'gcc';
}

function toolchainHelp(cc: string, problem: string): string {
  return (
    `guest build needs gcc and binutils (ld): ${problem}; ` +
    `install them (Debian: apt-get install gcc binutils) or set SHINJUKU_CC` +
    (cc === 'gcc' ? '' : ` (now '${cc}')`)
  );
}

const versionCache = new Map<string, string>();

/** First line of `cc --version`: part of the cache key, so a compiler upgrade rebuilds everything. */
function compilerVersion(cc: string): string {
  const known = versionCache.get(cc);
  if (known !== undefined) return known;
  const r = spawnSync(cc, ['--version'], { encoding: 'utf8' });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    const where = cc.includes('/') ? 'does not exist or is not executable' : 'was not found on PATH';
    throw new ToolchainError(
      toolchainHelp(cc, code === 'ENOENT' || code === 'EACCES' ? `'${cc}' ${where}` : `'${cc}' could not be run (${code})`),
    );
  }
  if (r.status !== 0) {
    throw new ToolchainError(toolchainHelp(cc, `'${cc} --version' failed with status ${r.status}`));
  }
  const line = (r.stdout.split('\n')[0] ?? '').trim();
  versionCache.set(cc, line);
  return line;
}

function readSource(rel: string, buildName: string): Buffer {
  const abs = join(repoRoot, rel);
  try {
    return readFileSync(abs);
  } catch {
    throw new GuestBuildError(`guest build '${buildName}': source file ${rel} not found`, '');
  }
}

/**
 * A line in a guest source that names other sources to build into the same
 * image, relative to the naming file: `shinjuku-emu: link ../apic/idt.c` as
 * the only text of a C comment (after // or inside a block comment).
 */
const LINK_DIRECTIVE = /^\s*(?:\/\/|\/\*|\*)\s*shinjuku-emu:\s*link\s+(.*?)\s*(?:\*\/\s*)?$/gm;

/**
 * `sources` followed by the companions they name with LINK_DIRECTIVE (and
 * theirs), each once, so that a guest that needs e.g. guest/apic/idt.c
 * builds from its own file alone. Paths stay repo-relative.
 */
export function withCompanions(sources: string[], buildName: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (rel: string, namedBy: string | null) => {
    const abs = resolve(repoRoot, rel);
    if (seen.has(abs)) return;
    seen.add(abs);
    out.push(rel);
    let text: string;
    try {
      text = readFileSync(abs, 'latin1');
    } catch {
      throw new GuestBuildError(`guest build '${buildName}': ${namedBy ? `${namedBy} links ${rel}, which is not there` : `source file ${rel} not found`}`, '');
    }
    for (const m of text.matchAll(LINK_DIRECTIVE)) {
      for (const p of m[1]!.split(/\s+/).filter(Boolean)) visit(relative(repoRoot, resolve(dirname(abs), p)), rel);
    }
  };
  for (const src of sources) visit(src, null);
  return out;
}

function build(b: GuestBuild, kind: 'guest' | 'native'): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(b.name)) {
    throw new GuestBuildError(`guest build name '${b.name}' must be a plain file name (letters, digits, _ . -)`, '');
  }
  const cc = compilerName();
  const version = compilerVersion(cc);
  const sources = [...withCompanions(b.sources, b.name), runtimeSource];
  const flags = [...(kind === 'guest' ? GUEST_FLAGS : NATIVE_FLAGS), ...(b.integerOnly && kind === 'guest' ? ['-mgeneral-regs-only'] : []), ...(b.cflags ?? [])];

  // Everything in guest/lib may be #included by any source, so all of it keys
  // the build, not just the files named on the command line.
  const hash = createHash('sha256');
  const field = (s: string | Buffer) => {
    hash.update(String(Buffer.byteLength(s)) + ':');
    hash.update(s);
  };
  field(kind);
  field(version);
  for (const f of flags) field(f);
  for (const s of sources) {
    field(s);
    field(readSource(s, b.name));
  }
  for (const f of readdirSync(libDir, { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .sort()) {
    field(`guest/lib/${f}`);
    field(readFileSync(join(libDir, f)));
  }
  // Headers next to the sources (and in sibling guest folders, which sources
  // include as "../apic/apic.h") key the build too: a header-only change must
  // rebuild.
  for (const h of guestHeaders()) {
    field(h);
    field(readFileSync(join(repoRoot, h)));
  }
  const dir = join(guestCacheDir(), hash.digest('hex'));
  const out = join(dir, kind === 'guest' ? `${b.name}.elf` : b.name);
  if (existsSync(out)) return out;

  mkdirSync(dir, { recursive: true });
  const tmp = `${out}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const args = [...flags, `-I${libDir}`, '-o', tmp, ...sources.map((s) => resolve(repoRoot, s))];
  if (kind === 'guest') args.push('-lgcc');
  buildStats.compilerRuns++;
  const r = spawnSync(cc, args, { encoding: 'utf8', cwd: repoRoot });
  if (r.error) {
    throw new ToolchainError(toolchainHelp(cc, `'${cc}' could not be run (${(r.error as NodeJS.ErrnoException).code})`));
  }
  if (r.status !== 0) {
    rmSync(tmp, { force: true });
    const stderr = r.stderr.trim();
    // gcc itself ran, but its driver could not find the assembler or linker.
    const missing = /cannot find '(ld|as)'|cannot execute '(ld|as)'/.exec(stderr);
    if (missing) throw new ToolchainError(toolchainHelp(cc, `gcc could not run '${missing[1] ?? missing[2]}'`));
    throw new GuestBuildError(
      `${kind} build of '${b.name}' failed (${cc} exited with status ${r.status}):\n${stderr}`,
      stderr,
    );
  }
  // rename(2) is atomic within a file system: a concurrent builder of the same
  // key either sees no file or a complete one; if two finish, the last wins
  // with identical content.
  renameSync(tmp, out);
  return out;
}

/** Builds (or finds in the cache) the guest ELF image; returns its absolute path. */
export function buildGuestImage(b: GuestBuild): string {
  return build(b, 'guest');
}

/** Builds (or finds in the cache) the same program as a host executable; returns its absolute path. */
export function buildNativeProgram(b: GuestBuild): string {
  return build(b, 'native');
}
