/**
 * Every op form's definition (form.ts), gathered from the handler families
 * that define them, indexed by form: the decoder reads an op's handler here
 * and the block compiler its inline code. Each form other than
 * Form.Handler must be defined exactly once.
 */
import { Form, type FormDef, type FormEntry } from './form.js';
import { faultForms } from './handlers/faults.js';
import { dataForms } from './handlers/data.js';
import { aluForms } from './handlers/alu.js';
import { controlForms } from './handlers/control.js';
import { mulDivForms } from './handlers/muldiv.js';

/** The entry for Form.Handler: such an op runs the opcode table's handler, never this one. */
const HANDLER_FORM: FormDef = {
  exec: () => { throw new Error('an op of Form.Handler runs its opcode-table handler (the decoder sets it)'); },
};

/** Build the table from family lists; throws naming a form defined twice or never. */
export function buildFormTable(lists: readonly (readonly FormEntry[])[]): FormDef[] {
  const t: (FormDef | undefined)[] = new Array<FormDef | undefined>(Form.Count).fill(undefined);
  for (const list of lists) {
    for (const [form, def] of list) {
      if (form === Form.Handler || form >= Form.Count) throw new Error(`form table: form ${form} is not a definable form`);
      if (t[form] !== undefined) throw new Error(`form table: form ${form} defined twice`);
      t[form] = def;
    }
  }
  for (let f = 1; f < Form.Count; f++) if (t[f] === undefined) throw new Error(`form table: form ${f} is never defined`);
  t[Form.Handler] = HANDLER_FORM;
  return t as FormDef[];
}

/** Indexed by Form; entry 0 (Form.Handler) is a placeholder: such an op's handler is the opcode table's. */
export const FORMS: readonly FormDef[] = buildFormTable([faultForms, dataForms, aluForms, controlForms, mulDivForms]);
