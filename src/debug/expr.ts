/**
 * Debugger expressions: a small recursive-descent parser over 64-bit
 * unsigned values (BigInt, wrapping like the machine's registers).
 *
 *   expr    := or
 *   or      := and ('||' and)*
 *   and     := cmp ('&&' cmp)*
 *   cmp     := bitor (('=='|'!='|'<='|'>='|'<'|'>') bitor)?
 *   bitor   := bitxor ('|' bitxor)*      bitxor := bitand ('^' bitand)*
 *   bitand  := shift ('&' shift)*        shift  := add (('<<'|'>>') add)*
 *   add     := mul (('+'|'-') mul)*      mul    := unary (('*'|'/'|'%') unary)*
 *   unary   := ('-'|'~'|'!') unary | '*' '(' type '*' ')' unary | '*' unary | primary
 *   primary := number | name | '$'name | '(' expr ')' | '[' expr ']'
 *
 * Names are registers of the context core (rax, eax, rip, rflags, cr3, ...),
 * then symbols (their address). `*(u32*)a` reads 4 bytes at linear address a
 * as the context core sees memory; `*a` and `[a]` read 8. Types: u8 u16 u32
 * u64 (and uint8_t..uint64_t, char, short, int, long). Comparisons give 0/1.
 */

export class ExprError extends Error { override name = 'ExprError'; }

export interface ExprContext {
  /** A register of the context core, or undefined if `name` is not a register. */
  register(name: string): bigint | undefined;
  /** Address of a symbol, or undefined. */
  symbol(name: string): bigint | undefined;
  /** $-variables ($core, $cycle, ...), or undefined. */
  variable(name: string): bigint | undefined;
  /** `size` bytes at a linear address, little-endian; throws with a one-line reason. */
  readMem(addr: bigint, size: number): bigint;
}

const MASK = (1n << 64n) - 1n;
const wrap = (v: bigint) => v & MASK;

const TYPES: Record<string, number> = {
  u8: 1, u16: 2, u32: 4, u64: 8, uint8_t: 1, uint16_t: 2, uint32_t: 4, uint64_t: 8,
  char: 1, short: 2, int: 4, long: 8, byte: 1, word: 2, dword: 4, qword: 8,
};

type Tok = { t: 'num'; v: bigint; at: number } | { t: 'name'; v: string; at: number } | { t: 'op'; v: string; at: number } | { t: 'end'; at: number };

const OPS = ['<<', '>>', '==', '!=', '<=', '>=', '&&', '||', '+', '-', '*', '/', '%', '&', '|', '^', '~', '!', '<', '>', '(', ')', '[', ']'];

function tokenize(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const ch = s[i]!;
    if (/\s/.test(ch)) { i++; continue; }
    const num = /^(0x[0-9a-f_]+|0b[01_]+|0o[0-7_]+|[0-9][0-9_]*)(?![A-Za-z0-9_])/i.exec(s.slice(i));
    if (num) {
      const text = num[1]!.replace(/_/g, '');
      let v: bigint;
      try { v = BigInt(text); } catch { throw new ExprError(`bad number '${num[1]}'`); }
      if (v > MASK) throw new ExprError(`number ${num[1]} does not fit in 64 bits`);
      out.push({ t: 'num', v, at: i });
      i += num[1]!.length;
      continue;
    }
    const name = /^\$?[A-Za-z_.][A-Za-z0-9_.$]*/.exec(s.slice(i));
    if (name) { out.push({ t: 'name', v: name[0], at: i }); i += name[0].length; continue; }
    const op = OPS.find((o) => s.startsWith(o, i));
    if (op) { out.push({ t: 'op', v: op, at: i }); i += op.length; continue; }
    throw new ExprError(`unexpected character '${ch}' at column ${i + 1}`);
  }
  out.push({ t: 'end', at: s.length });
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Tok[], private readonly ctx: ExprContext, private readonly src: string) {}

  private peek(): Tok { return this.toks[this.i]!; }
  private isOp(v: string): boolean { const t = this.peek(); return t.t === 'op' && t.v === v; }
  private take(v: string): boolean { if (this.isOp(v)) { this.i++; return true; } return false; }
  private expect(v: string): void {
    if (!this.take(v)) throw new ExprError(`expected '${v}' ${this.where()}`);
  }
  private where(): string {
    const t = this.peek();
    return t.t === 'end' ? 'at the end of the expression' : `at column ${t.at + 1} ('${this.src.slice(t.at, t.at + 8)}')`;
  }

  parse(): bigint {
    if (this.peek().t === 'end') throw new ExprError('empty expression');
    const v = this.or();
    if (this.peek().t !== 'end') throw new ExprError(`unexpected ${this.where()}`);
    return v;
  }

  private or(): bigint {
    let v = this.and();
    while (this.take('||')) { const r = this.and(); v = v !== 0n || r !== 0n ? 1n : 0n; }
    return v;
  }
  private and(): bigint {
    let v = this.cmp();
    while (this.take('&&')) { const r = this.cmp(); v = v !== 0n && r !== 0n ? 1n : 0n; }
    return v;
  }
  private cmp(): bigint {
    const a = this.bitor();
    for (const op of ['==', '!=', '<=', '>=', '<', '>']) {
      if (this.take(op)) {
        const b = this.bitor();
        const r = op === '==' ? a === b : op === '!=' ? a !== b : op === '<=' ? a <= b : op === '>=' ? a >= b : op === '<' ? a < b : a > b;
        return r ? 1n : 0n;
      }
    }
    return a;
  }
  private bitor(): bigint { let v = this.bitxor(); while (this.take('|')) v = v | this.bitxor(); return v; }
  private bitxor(): bigint { let v = this.bitand(); while (this.take('^')) v = v ^ this.bitand(); return v; }
  private bitand(): bigint { let v = this.shift(); while (this.take('&')) v = v & this.shift(); return v; }
  private shift(): bigint {
    let v = this.add();
    for (;;) {
      if (this.take('<<')) { const n = this.add(); v = n >= 64n ? 0n : wrap(v << n); }
      else if (this.take('>>')) { const n = this.add(); v = n >= 64n ? 0n : v >> n; }
      else return v;
    }
  }
  private add(): bigint {
    let v = this.mul();
    for (;;) {
      if (this.take('+')) v = wrap(v + this.mul());
      else if (this.take('-')) v = wrap(v - this.mul());
      else return v;
    }
  }
  private mul(): bigint {
    let v = this.unary();
    for (;;) {
      if (this.take('*')) v = wrap(v * this.unary());
      else if (this.take('/')) { const d = this.unary(); if (d === 0n) throw new ExprError('division by zero'); v = v / d; }
      else if (this.take('%')) { const d = this.unary(); if (d === 0n) throw new ExprError('division by zero'); v = v % d; }
      else return v;
    }
  }
  private unary(): bigint {
    if (this.take('-')) return wrap(-this.unary());
    if (this.take('~')) return wrap(~this.unary());
    if (this.take('!')) return this.unary() === 0n ? 1n : 0n;
    if (this.take('*')) {
      // *(type*)addr
      const save = this.i;
      if (this.take('(')) {
        const t = this.peek();
        if (t.t === 'name' && TYPES[t.v] !== undefined) {
          this.i++;
          if (this.take('*') && this.take(')')) return this.deref(this.unary(), TYPES[t.v]!);
        }
        this.i = save;
      }
      return this.deref(this.unary(), 8);
    }
    return this.primary();
  }
  private deref(addr: bigint, size: number): bigint { return this.ctx.readMem(addr, size); }

  private primary(): bigint {
    const t = this.peek();
    if (t.t === 'num') { this.i++; return t.v; }
    if (t.t === 'name') {
      this.i++;
      const name = t.v;
      if (name.startsWith('$')) {
        const v = this.ctx.variable(name.slice(1));
        if (v === undefined) throw new ExprError(`unknown variable '${name}'`);
        return v;
      }
      const r = this.ctx.register(name.toLowerCase());
      if (r !== undefined) return r;
      const s = this.ctx.symbol(name);
      if (s !== undefined) return s;
      throw new ExprError(`unknown symbol or register '${name}'`);
    }
    if (this.take('(')) { const v = this.or(); this.expect(')'); return v; }
    if (this.take('[')) { const v = this.or(); this.expect(']'); return this.deref(v, 8); }
    throw new ExprError(t.t === 'end' ? 'the expression ends too early' : `unexpected ${this.where()}`);
  }
}

/** Evaluate `src` in `ctx`; throws ExprError (or the context's error) with a one-line message. */
export function evaluate(src: string, ctx: ExprContext): bigint {
  return new Parser(tokenize(src), ctx, src).parse();
}

/** Check that `src` parses, without evaluating names (for `break ... if EXPR` at definition time). */
export function checkSyntax(src: string): void {
  const lax: ExprContext = { register: () => 0n, symbol: () => 0n, variable: () => 0n, readMem: () => 0n };
  new Parser(tokenize(src), lax, src).parse();
}
