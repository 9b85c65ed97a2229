/**
 * `shinjuku-emu load`: the CLI contract — --json prints one object on its
 * own last line with the documented keys — and bad flags exit 2 with one
 * line naming the problem.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../src/guest/build.js';

const bin = join(repoRoot, 'bin', 'shinjuku-emu.js');
const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: repoRoot });

describe('shinjuku-emu load', () => {
  it('--json: one object on the last line with the contract keys', () => {
    const r = run(['load', '--policy', 'sq', '--dist', 'bimodal:90-1,10-20', '--workers', '2', '--rate', '100000', '--requests', '60', '--quantum', '5', '--placement', 'tail', '--seed', '2', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const last = r.stdout.trim().split('\n').at(-1)!;
    const o = JSON.parse(last);
    expect(o.offeredRps).toBe(100000);
    expect(o.achievedRps).toBeGreaterThan(0);
    expect(o.types.map((t: { type: string }) => t.type)).toEqual(['1us', '20us']);
    for (const t of o.types) for (const k of ['type', 'count', 'meanUs', 'p50Us', 'p99Us', 'p999Us']) expect(t, k).toHaveProperty(k);
    expect(o.types[0].count + o.types[1].count).toBe(54);
  });

  it('bad input: one line, exit 2', () => {
    const r = run(['load', '--dist', 'gauss:1', '--rate', '1000']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown distribution 'gauss'/);
    const s = run(['load', '--dist', 'exp:1']);
    expect(s.status).toBe(2);
    expect(s.stderr).toMatch(/--rate/);
  });
});
