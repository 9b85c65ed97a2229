/**
 * The profile as documentation: every entry with its value, unit and
 * provenance, and the tables of docs/cost-model.md generated from them (so
 * the doc cannot say one thing while the profile says another).
 * scripts/cost-model-doc.ts writes them into the doc; a test checks the doc
 * is up to date.
 */
import { provenanceOf, type Profile, type ProvenanceKind } from './schema.js';

export interface ProfileEntryRow {
  /** Dotted path in the profile, e.g. "memory.l2Hit". */
  readonly path: string;
  /** `cycles` of a cost entry, `value` of any other. */
  readonly value: number;
  readonly latency: number | undefined;
  readonly unit: string;
  readonly kind: ProvenanceKind;
  readonly text: string;
}

interface RawEntry { value?: number; cycles?: number; latency?: number; unit: string; source?: string; derived?: string; assumption?: string; calibrated?: string }

/** Every entry of the profile, in file order. */
export function profileEntries(p: Profile): ProfileEntryRow[] {
  const rows: ProfileEntryRow[] = [];
  for (const [section, entries] of Object.entries(p)) {
    if (typeof entries !== 'object' || entries === null) continue;
    for (const [name, raw] of Object.entries(entries as Record<string, RawEntry>)) {
      const { kind, text } = provenanceOf(raw);
      rows.push({ path: `${section}.${name}`, value: raw.cycles ?? raw.value!, latency: raw.latency, unit: raw.unit, kind, text });
    }
  }
  return rows;
}

export const GENERATED_BEGIN = '<!-- BEGIN generated from profiles/haswell-e5-2658v3.json by `npm run doc:profile`; edit the profile, not this section -->';
export const GENERATED_END = '<!-- END generated -->';

const HEADINGS: Record<ProvenanceKind, { title: string; intro: string; column: string }> = {
  calibrated: {
    title: 'Calibrated entries',
    intro: 'Fitted on a measurement: the cells or figures each names are reproduced by construction, so they are not predictions.',
    column: 'fitted on',
  },
  assumption: {
    title: 'Assumptions',
    intro: 'Modelling choices no public source pins down, each with its reason. Changing one is a what-if (`--profile`), not a correction.',
    column: 'why',
  },
  derived: {
    title: 'Derived entries',
    intro: 'Arithmetic on sourced values (or on other entries), with the equation.',
    column: 'equation',
  },
  source: {
    title: 'Sourced entries',
    intro: 'Taken from a public document or measurement a reader can look up.',
    column: 'source',
  },
};

const ORDER: ProvenanceKind[] = ['calibrated', 'assumption', 'derived', 'source'];

function cell(s: string): string { return s.replace(/\|/g, '\\|').replace(/\n/g, ' '); }

function formatValue(r: ProfileEntryRow): string {
  return r.latency !== undefined ? `${r.value} (latency ${r.latency})` : String(r.value);
}

/** The generated section of docs/cost-model.md (between the markers). */
export function generatedCostModelSection(p: Profile): string {
  const rows = profileEntries(p);
  const count = (k: ProvenanceKind) => rows.filter((r) => r.kind === k).length;
  const out: string[] = [];
  out.push('## The profile, entry by entry');
  out.push('');
  out.push(`\`${p.name}\`: ${rows.length} entries — ${count('source')} sourced, ${count('derived')} derived, ${count('assumption')} assumptions, ${count('calibrated')} calibrated.`);
  for (const kind of ORDER) {
    const h = HEADINGS[kind];
    const these = rows.filter((r) => r.kind === kind);
    out.push('');
    out.push(`### ${h.title} (${these.length})`);
    out.push('');
    out.push(h.intro);
    out.push('');
    out.push(`| entry | value | unit | ${h.column} |`);
    out.push('|---|---|---|---|');
    for (const r of these) out.push(`| \`${r.path}\` | ${formatValue(r)} | ${cell(r.unit)} | ${cell(r.text)} |`);
  }
  return out.join('\n');
}

/** `doc` with its generated section replaced by `section`; throws if the markers are missing. */
export function spliceGenerated(doc: string, section: string): string {
  const a = doc.indexOf(GENERATED_BEGIN);
  const b = doc.indexOf(GENERATED_END);
  if (a < 0 || b < a) throw new Error(`the document has no generated section (markers "${GENERATED_BEGIN}" … "${GENERATED_END}")`);
  return `${doc.slice(0, a + GENERATED_BEGIN.length)}\n\n${section}\n\n${doc.slice(b)}`;
}

