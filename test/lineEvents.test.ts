/**
 * Line transfers are on the event stream: in the mailbox ping-pong every
 * message is one transfer of a Modified line from the other core (paper
 * §3.5), so each round trip shows one remoteModified transfer per
 * direction. Listening must not change a cycle.
 */
import { describe, it, expect } from 'vitest';
import { buildGuestImage } from '../src/guest/build.js';
import { runImage } from '../src/sim/run.js';
import type { LineEvent } from '../src/sim/events.js';

describe('line-transfer events', () => {
  it('show the mailbox messages as Modified-line transfers, without perturbing the run', () => {
    const img = buildGuestImage({ name: 'mailbox', sources: ['guest/coherence/mailbox.c'] });
    const plain = runImage(img, { cores: 2 });
    const seen: LineEvent[] = [];
    const heard = runImage(img, { cores: 2, beforeRun: (m) => { m.events.on('line', (e) => seen.push(e)); } });
    expect(heard.cores).toEqual(plain.cores);
    expect(heard.console).toBe(plain.console);
    const rounds = Number(/\((\d+) round trips\)/.exec(plain.console)![1]);
    const toCore0 = seen.filter((e) => e.core === 0 && e.source === 'remoteModified').length;
    const toCore1 = seen.filter((e) => e.core === 1 && e.source === 'remoteModified').length;
    expect(toCore0).toBeGreaterThanOrEqual(rounds);
    expect(toCore1).toBeGreaterThanOrEqual(rounds);
    for (const e of seen) expect(e.pa % 64).toBe(0);
  });
});
