/**
 * Which failures are the user's to fix, and how each is shown.
 *
 * Everything a user can get wrong (flags, files, profiles, their C code, a
 * missing compiler) becomes one `shinjuku-emu: ...` line and exit status 2;
 * only a bug in the emulator itself may print a stack trace, because then the
 * trace is what a bug report needs.
 */
import { GuestBuildError, ToolchainError } from '../guest/build.js';
import { ElfError } from '../loader/elf.js';
import { ProfileError } from '../profile/load.js';

/** Exit status for every usage or input error (the BSD/GNU convention for "bad invocation"). */
export const USAGE_STATUS = 2;
/** Exit status when the emulator itself failed (sysexits.h EX_SOFTWARE). */
export const INTERNAL_STATUS = 70;

/** A flag or argument value that fails validation: reported with the command's help text. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A problem with the user's input that the CLI itself found (e.g. the image file is missing): no help text. */
export class InputError extends Error {
  override name = 'InputError';
}

export interface UserFacing {
  /** The `shinjuku-emu: ...` line. */
  line: string;
  /** Further text the user needs to act on (gcc's own diagnostics), printed verbatim after the line. */
  extra?: string;
}

/** The user-facing form of an error, or null when the error is a bug in the emulator. */
export function userFacing(e: unknown): UserFacing | null {
  if (e instanceof GuestBuildError) {
    // The message repeats gcc's stderr after its first line; show that once, as gcc printed it.
    const first = e.message.split('\n', 1)[0]!;
    return e.stderr ? { line: first, extra: e.stderr } : { line: first };
  }
  if (e instanceof UsageError || e instanceof InputError || e instanceof ElfError || e instanceof ProfileError || e instanceof ToolchainError) {
    return { line: oneLine(e.message) };
  }
  return null;
}

/** Messages from lower layers may span lines; the error line must stay one line. */
export function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, '; ');
}
