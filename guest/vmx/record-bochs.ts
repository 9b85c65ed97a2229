/**
 * Re-record the expected output of the guest/vmx test hypervisors from the
 * peer emulators (Bochs 2.7, or the Bochs 3.0 build for posted interrupts):
 *
 *   npx tsx guest/vmx/record-bochs.ts [NAME...]
 *
 * Builds each image exactly as test/vmx.test.ts does, boots it on
 * ../shared/peers/run-bochs.sh or run-bochs3.sh with its core count, and
 * writes the console to test/expected/vmx/NAME.txt (the exit status goes
 * on a last line "status: N"). Needs the peers installed; takes a few
 * seconds per program. Env: PEERS (default ../shared/peers next to the repo).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { repoRoot } from '../../src/guest/build.js';
import { VMX_GUESTS, buildVmxGuest, expectedPath } from '../../test/vmxGuests.js';

// ../shared/peers next to the main checkout; a worktree one level deeper finds it one level up.
const peers = process.env.PEERS ?? [join(repoRoot, '..', 'shared', 'peers'), join(repoRoot, '..', '..', 'shared', 'peers')].find((p) => existsSync(p));
if (peers === undefined) throw new Error('the peers (../shared/peers) were not found: set PEERS');
const want = process.argv.slice(2);
const out = process.env.PEERS_OUT ?? join(tmpdir(), 'shinjuku-peers-out');
mkdirSync(out, { recursive: true });
for (const g of VMX_GUESTS) {
  if (want.length > 0 && !want.includes(g.name)) continue;
  const elf = buildVmxGuest(g.name);
  const script = join(peers, g.peer === 'bochs3' ? 'run-bochs3.sh' : 'run-bochs.sh');
  const r = spawnSync(script, [elf, String(g.cores)], { encoding: 'latin1', env: { ...process.env, PEERS_OUT: out }, timeout: 600_000 });
  // The Bochs 3.0 build prints its banner on stdout: drop it (the guest's console starts after it).
  const console = r.stdout.replace(/^=+\n(?:.*\n)*?=+\n/, '');
  const text = `${console}status: ${r.status}\n`;
  mkdirSync(dirname(expectedPath(g.name)), { recursive: true });
  writeFileSync(expectedPath(g.name), text, 'latin1');
  process.stdout.write(`===== ${g.name} (${g.peer}, ${g.cores} core(s)): status ${r.status}\n${console}`);
  if (r.error) throw r.error;
  if (r.status !== 0) process.stdout.write(r.stderr.split('\n').slice(-5).join('\n') + '\n');
}
