/**
 * shinjuku-emu command line: the parser and the handling of everything that
 * ends a run early. Parsing and presentation only: each command lives in
 * commands/, the flags they share in options.ts, and everything about
 * machines in src/sim. main.ts is the process entry point.
 */
import { readFileSync } from 'node:fs';
import yargs, { type Argv, type MiddlewareFunction } from 'yargs';
import { demoCommand } from './commands/demo.js';
import { runCommand } from './commands/run.js';
import { debugCommand } from './commands/debug.js';
import { traceCommand } from './commands/trace.js';
import { table1Command } from './commands/table1.js';
import { table2Command } from './commands/table2.js';
import { loadCommand } from './commands/load.js';
import { sweepCommand, mergeCommand } from './commands/sweep.js';
import { INTERNAL_STATUS, USAGE_STATUS, UsageError, userFacing } from './errors.js';
import { errorLine } from './report.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const COMMAND_LIST = [runCommand, demoCommand, debugCommand, traceCommand, loadCommand, sweepCommand, mergeCommand, table1Command, table2Command];
const COMMANDS = COMMAND_LIST.map((c) => c.name);

/** Thrown out of yargs' fail hook once a usage error has been printed, to end parsing there. */
class UsageReported extends Error {}

/** yargs adds a camelCase twin of every dashed flag (`--bogus-flag` is also `bogusFlag`). */
const camelCase = (name: string) => name.replace(/-([a-z])/g, (_, ch: string) => ch.toUpperCase());

/**
 * yargs' own messages, reworded to name things as the user typed them
 * (yargs reports `--frobnicate` as "Unknown argument: frobnicate", and
 * `--bogus-flag` twice, once as its camelCase twin).
 */
export function usageMessage(msg: string, args: string[]): string {
  const flag = (name: string) => {
    const typed = args.find((a) => a === `--${name}` || a.startsWith(`--${name}=`) || a === `-${name}`);
    return typed ? typed.split('=')[0]! : null;
  };
  const command = commandOf(args);
  let m = /^Unknown arguments?: (.*)$/.exec(msg);
  if (m) {
    const all = m[1]!.split(', ');
    const names = all.filter((n) => !all.some((o) => o !== n && camelCase(o) === n));
    const flags = names.map(flag);
    if (flags.every((f) => f !== null)) return `unknown option${names.length > 1 ? 's' : ''} ${flags.join(', ')}`;
    // In the command's place, an unknown word is a mistyped command rather than a stray argument.
    const first = args.find((a) => !a.startsWith('-'));
    if (names.length === 1 && first === names[0] && !COMMANDS.includes(first)) return `unknown command '${first}' (commands: ${COMMANDS.join(', ')})`;
    return `unexpected argument${names.length > 1 ? 's' : ''} ${names.map((n, i) => flags[i] ?? `'${n}'`).join(', ')}`;
  }
  m = /^Did you mean (.*)\?$/.exec(msg);
  if (m) {
    const typed = args.find((a) => !a.startsWith('-'));
    return `unknown command${typed ? ` '${typed}'` : ''}; did you mean ${m[1]}?`;
  }
  m = /^Not enough arguments following: (.*)$/.exec(msg);
  if (m) return `${flag(m[1]!) ?? `--${m[1]}`} needs a value`;
  m = /^Missing required arguments?: (.*)$/.exec(msg);
  if (m) {
    const names = m[1]!.split(', ').map((n) => `--${n}`);
    return `${names.join(' and ')} ${names.length > 1 ? 'are' : 'is'} required`;
  }
  if (/^Not enough non-option arguments/.test(msg) && command === 'merge') return 'merge needs the part files (from sweep --shard or load --shard)';
  if (/^Not enough non-option arguments/.test(msg)) return `${command ?? 'the command'} needs an <image>: a guest ELF file, or a .c source to build`;
  return msg;
}

/** The command named on the command line, if any. */
function commandOf(args: string[]): string | undefined {
  return args.find((a) => COMMANDS.includes(a));
}

/** The line after a usage error: where the usage is, instead of the whole help text. */
export function helpPointer(args: string[]): string {
  const command = commandOf(args);
  return `Try 'shinjuku-emu${command ? ` ${command}` : ''} --help' for more information.`;
}

/**
 * The positional words after the command (`<image> [more..]`): every word
 * that is not a flag or a flag's value (`--x v`, unless --x is boolean).
 */
export function positionalWords(args: string[], booleans: Set<string>, commands: readonly string[]): string[] {
  const out: string[] = [];
  let seenCommand = false;
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    if (w === '--') { out.push(...args.slice(i + 1)); break; }
    if (w.startsWith('-') && w.length > 1) {
      const name = w.replace(/^--?/, '');
      if (!name.includes('=') && !booleans.has(name) && !name.startsWith('no-')) i++;
      continue;
    }
    if (!seenCommand && commands.includes(w)) { seenCommand = true; continue; }
    out.push(w);
  }
  return out;
}

function parser(args: string[], done: (status: number) => void): Argv {
  return COMMAND_LIST.reduce((y, c) => c.register(y, done), yargs(args))
    .scriptName('shinjuku-emu')
    .usage('$0 <command> [options]\n\nCycle-approximate x86-64 machine emulator.')
    .demandCommand(1, `give a command: ${COMMANDS.slice(0, -1).join(', ')} or ${COMMANDS.at(-1)}`)
    .strict()
    // main() decides the exit status, also after --help and --version.
    .exitProcess(false)
    .recommendCommands()
    // The last of a repeated flag wins, as in most tools, instead of yargs collecting an array.
    .parserConfiguration({ 'duplicate-arguments-array': false })
    // ...which also keeps only the last of the variadic `[more..]` sources: take them from the words typed.
    // (yargs hands middleware its instance as a second argument; its types do not say so.)
    .middleware(((argv: Record<string, unknown>, y: { getOptions(): { boolean: string[]; alias: Record<string, string[]> } }) => {
      if (!('more' in argv)) return;
      const o = y.getOptions();
      const flags = new Set<string>(o.boolean);
      for (const b of o.boolean) for (const a of o.alias[b] ?? []) flags.add(a);
      argv.more = positionalWords(args, flags, COMMANDS).slice(1);
    }) as unknown as MiddlewareFunction, true)
    .version(pkg.version)
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      // yargs routes its own validation errors and exceptions from coerce
      // functions here (both as a YError carrying our message); anything else
      // is not a usage problem and goes to the caller's handling.
      if (err && err.name !== 'YError' && !(err instanceof UsageError)) throw err;
      // One line for the error and one saying where the usage is: the whole
      // help text would push the error off the screen.
      process.stderr.write(errorLine(usageMessage(msg ?? err?.message ?? 'invalid arguments', args)) + '\n' + helpPointer(args) + '\n');
      throw new UsageReported();
    });
}

export async function main(args: string[]): Promise<number> {
  let status = 0;
  try {
    // --help and --version end without running a command: status 0.
    await parser(args, (s) => { status = s; }).parseAsync();
    return status;
  } catch (e) {
    if (e instanceof UsageReported) return USAGE_STATUS;
    const user = userFacing(e);
    if (user) {
      process.stderr.write(errorLine(user.line) + '\n' + (user.extra ? user.extra.replace(/\n?$/, '\n') : ''));
      return USAGE_STATUS;
    }
    // Not the user's doing: a bug in the emulator, where the stack trace is what a report needs.
    process.stderr.write(errorLine(`internal error, please report: ${(e as Error)?.stack ?? String(e)}`) + '\n');
    return INTERNAL_STATUS;
  }
}
