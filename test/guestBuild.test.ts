import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, sep } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildGuestImage,
  buildNativeProgram,
  buildStats,
  GuestBuildError,
  repoRoot,
  ToolchainError,
  withCompanions,
} from '../src/guest/build.js';

const savedCC = process.env.SHINJUKU_CC;
afterEach(() => {
  if (savedCC === undefined) delete process.env.SHINJUKU_CC;
  else process.env.SHINJUKU_CC = savedCC;
});

/** A define nobody reads: a fresh cache key, so the first build below is a real one. */
function freshKey(): string[] {
  return [`-DSHINJUKU_CACHE_TEST_${randomBytes(6).toString('hex')}=1`];
}

describe('buildGuestImage', () => {
  it('builds a static ELF64 once, then serves it from the cache', () => {
    const b = { name: 'int3', sources: ['guest/tests/int3.c'], cflags: freshKey() };
    const runs0 = buildStats.compilerRuns;
    const first = buildGuestImage(b);
    expect(buildStats.compilerRuns).toBe(runs0 + 1);
    expect(isAbsolute(first)).toBe(true);
    // <repo>/.cache/guest/<sha256>/<name>.elf
    expect(relative(repoRoot, first).split(sep)).toEqual(['.cache', 'guest', expect.stringMatching(/^[0-9a-f]{64}$/), 'int3.elf']);
    const bytes = readFileSync(first);
    expect([...bytes.subarray(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
    expect(bytes[4]).toBe(2); // ELFCLASS64
    expect(bytes.readUInt16LE(16)).toBe(2); // ET_EXEC: -no-pie -static took effect

    const before = statSync(first);
    const second = buildGuestImage(b);
    expect(second).toBe(first);
    expect(buildStats.compilerRuns).toBe(runs0 + 1);
    const after = statSync(second);
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
  });

  it('keys the cache by the flags', () => {
    const a = buildGuestImage({ name: 'int3', sources: ['guest/tests/int3.c'], cflags: freshKey() });
    const b = buildGuestImage({ name: 'int3', sources: ['guest/tests/int3.c'], cflags: freshKey() });
    expect(a).not.toBe(b);
  });

  it('explains a missing compiler in one line', () => {
    process.env.SHINJUKU_CC = '/nonexistent/gcc';
    let err: unknown;
    try {
      buildGuestImage({ name: 'int3', sources: ['guest/tests/int3.c'] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ToolchainError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^guest build needs gcc and binutils \(ld\): '\/nonexistent\/gcc' /);
    expect(msg).toContain('apt-get install gcc binutils');
    expect(msg).toContain('SHINJUKU_CC');
    expect(msg).not.toContain('\n');
  });

  it('says so when a command name is not on PATH', () => {
    process.env.SHINJUKU_CC = 'shinjuku-no-such-compiler';
    expect(() => buildNativeProgram({ name: 'int3', sources: ['guest/tests/int3.c'] })).toThrow(
      /'shinjuku-no-such-compiler' was not found on PATH/,
    );
  });

  it("reports compile errors with gcc's diagnostics", () => {
    // turns rt.h's prototype into "int 123(void);": a syntax error gcc must report
    const cflags = [...freshKey(), '-Dtest_main=123'];
    let err: unknown;
    try {
      buildGuestImage({ name: 'broken', sources: ['guest/tests/int3.c'], cflags });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GuestBuildError);
    expect((err as Error).message).toMatch(/^guest build of 'broken' failed/);
    expect((err as GuestBuildError).stderr).toMatch(/error/);
  });

  it('refuses a missing source file', () => {
    expect(() => buildGuestImage({ name: 'x', sources: ['guest/tests/no-such-file.c'] })).toThrow(
      /source file guest\/tests\/no-such-file\.c not found/,
    );
  });
});

describe('companion sources (issue 9: guest/spin/idle.c failed to link without guest/apic/idt.c)', () => {
  it('a source that names its companions builds from its own file alone, to the same image', () => {
    const alone = buildGuestImage({ name: 'idle', sources: ['guest/spin/idle.c'] });
    expect(buildGuestImage({ name: 'idle', sources: ['guest/spin/idle.c', 'guest/apic/idt.c'] })).toBe(alone);
    expect(withCompanions(['guest/spin/idle.c'], 'idle')).toEqual(['guest/spin/idle.c', 'guest/apic/idt.c']);
  });

  it('follows companions of companions, each once, relative to the file that names them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shinjuku-companions-'));
    try {
      mkdirSync(join(dir, 'sub'));
      writeFileSync(join(dir, 'a.c'), '#include "rt.h"\n/* shinjuku-emu: link sub/b.c */\nint test_main(void) { return 0; }\n');
      writeFileSync(join(dir, 'sub', 'b.c'), '// shinjuku-emu: link ../a.c c.S\n');
      writeFileSync(join(dir, 'sub', 'c.S'), '/*\n * shinjuku-emu: link ../a.c\n */\n');
      writeFileSync(join(dir, 'd.c'), '/* shinjuku-emu: link nothere.c */\n');
      const rel = (p: string) => relative(repoRoot, join(dir, p));
      expect(withCompanions([rel('a.c')], 'a')).toEqual([rel('a.c'), rel('sub/b.c'), rel('sub/c.S')]);
      expect(() => withCompanions([rel('d.c')], 'd')).toThrow(`guest build 'd': ${rel('d.c')} links ${rel('nothere.c')}, which is not there`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('buildNativeProgram', () => {
  it('builds a host executable once, then serves it from the cache', () => {
    const b = { name: 'ud2', sources: ['guest/tests/ud2.c'], cflags: freshKey() };
    const runs0 = buildStats.compilerRuns;
    const first = buildNativeProgram(b);
    expect(buildStats.compilerRuns).toBe(runs0 + 1);
    expect(first).toBe(join(first, '..', 'ud2'));
    expect(statSync(first).mode & 0o111).not.toBe(0);
    const mtime = statSync(first).mtimeMs;
    expect(buildNativeProgram(b)).toBe(first);
    expect(buildStats.compilerRuns).toBe(runs0 + 1);
    expect(statSync(first).mtimeMs).toBe(mtime);
  });

  it('does not share cache entries with the guest build of the same sources', () => {
    const b = { name: 'ud2', sources: ['guest/tests/ud2.c'] };
    const native = buildNativeProgram(b);
    const guest = buildGuestImage(b);
    expect(join(native, '..')).not.toBe(join(guest, '..'));
  });
});
