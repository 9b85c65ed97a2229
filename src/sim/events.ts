/**
 * The one event stream (docs/architecture.md "Events"): hardware and host routines emit typed
 * events; the debugger, traces, statistics and tests all subscribe here.
 *
 * Emitting costs nothing when nobody listens: producers test a per-kind
 * boolean (`stream.wants.retire`) before building an event. `retire` is the
 * hot one: it passes the core and the op instead of allocating an object.
 */
import type { Tick } from './time.js';

/**
 * An instruction retired at `tick`. `start` is when it began executing: the
 * core's previous retire, or later when the instruction first waited for a
 * line from another core's cache (load replay, docs/cost-model.md).
 */
export interface RetireInfo { core: number; rip: number; tick: Tick; start: Tick; }
/** A guest memory access (loads and stores of instructions; not page walks or instruction fetch). */
export interface MemEvent { core: number; tick: Tick; lin: number; pa: number; size: number; write: boolean; }
/**
 * A cache-line access that missed the core's L1 (coherence model slow path):
 * where the line came from (`l2`, `l3`, `remoteModified` — a transfer from
 * another core's cache —, `remoteClean`, `crossSocket`, `dram`, `upgrade`
 * for an RFO that invalidated sharers, `drain` for a store that rode along
 * with an earlier ownership request) and what it cost.
 */
export interface LineEvent { core: number; tick: Tick; pa: number; kind: 'load' | 'store' | 'rfo'; source: string; cost: Tick; }
export interface IoEvent { core: number; tick: Tick; port: number; size: number; value: number; dir: 'in' | 'out'; }
export interface ExceptionEvent { core: number; tick: Tick; vector: number; name: string; rip: number; errorCode: number | null; }
export interface HaltEvent { core: number; tick: Tick; rip: number; interruptsEnabled: boolean; /** True when this is the wake-up from HLT. */ woke?: boolean; }
/**
 * An interrupt message on the bus: 'sent' when the ICR write (or an I/O APIC
 * pin) puts it on the bus — it is in flight until `arrival` — and 'accepted'
 * when the target APIC sets its IRR bit. `from` is a core index, -1 for an
 * I/O APIC.
 */
export interface IpiEvent { phase: 'sent' | 'accepted'; from: number; to: number; vector: number; tick: Tick; arrival: Tick; }
/** A core vectors through its IDT for an external interrupt or NMI (the INTA cycle). */
export interface InterruptEvent { core: number; vector: number; tick: Tick; rip: number; }
export interface EoiEvent { core: number; vector: number; tick: Tick; }
/**
 * A mispredicted return (the return stack buffer, src/cpu/returnStack.ts):
 * the RET at `rip` went to `target` while the predictor said `predicted`
 * (NaN: an empty entry); the core paid `penalty` ticks.
 */
export interface MispredictEvent { core: number; tick: Tick; rip: number; target: number; predicted: number; penalty: Tick; }
export interface StopEvent { tick: Tick; reason: StopReason; detail: string; }
/**
 * The NIC (src/devices/nic.ts): `rx-wire` a frame's last bit reached the
 * port, `rx-dma` its data and descriptor were written to guest memory,
 * `rx-drop` it was dropped (no descriptor and no room in the packet
 * buffer), `tx-doorbell` a core wrote a transmit tail register, `tx-dma`
 * the NIC fetched a frame, `tx-wire` its last bit reached the far end.
 */
export interface NicEvent { tick: Tick; what: 'rx-wire' | 'rx-dma' | 'rx-drop' | 'tx-doorbell' | 'tx-dma' | 'tx-wire'; queue: number; bytes: number; }
/**
 * A request of the load generator (src/load): `sent` when it leaves the
 * client, `replied` when the reply's last bit arrives back (`latency` is the
 * difference), `timeout` when the run ends without a reply.
 */
export interface RequestEvent { tick: Tick; id: number; type: number; phase: 'sent' | 'replied' | 'timeout'; latency: Tick; }

// VMX (src/vmx). Ticks: `tick` when the hardware sequence began, `end` when the next instruction runs.
/** A VM exit (SDM Vol. 3C ch. 27) or a VM-entry failure that loads the host state (reason 33/34, `entryFailure`). */
export interface VmExitEvent { core: number; tick: Tick; end: Tick; reason: number; name: string; qualification: number; guestRip: number | null; entryFailure: boolean; gpa: number | null; detail: string; }
/** A VM entry into VMX non-root operation (VMLAUNCH or VMRESUME). */
export interface VmEntryEvent { core: number; tick: Tick; end: Tick; launch: boolean; rip: number; vpid: number; }
/** VMLAUNCH/VMRESUME failed its control or host-state checks (VMfailValid 7 or 8); `rule` names the SDM check. */
export interface VmEntryFailEvent { core: number; tick: Tick; error: number; rule: string; }
/** One step of posted-interrupt processing (SDM Vol. 3C §29.6), in order: notification, on-cleared, eoi, pir-to-virr, rvi, evaluate. */
/** `pir`: at step 5, the 256-bit PIR as read (eight 32-bit words, vector = 32 × word + bit). */
export interface PostedEvent { core: number; tick: Tick; step: 'notification' | 'on-cleared' | 'eoi' | 'pir-to-virr' | 'rvi' | 'evaluate'; vector: number; pid: number; rvi: number; pir: number[] | null; recognized: boolean | null; }
/** Virtual-interrupt state changes (SDM §29.1–29.2): evaluation, recognition, delivery, virtualized EOI, self-IPI. */
export interface VintrEvent { core: number; tick: Tick; phase: 'evaluated' | 'recognized' | 'delivered' | 'eoi' | 'self-ipi'; vector: number; rvi: number; svi: number; vppr: number; }
/** An EPT violation or misconfiguration (SDM §28.2.3) that caused a VM exit. */
export interface EptViolationEvent { core: number; tick: Tick; gpa: number; gla: number | null; qualification: number; misconfig: boolean; rip: number; }

export type StopReason = 'exit' | 'all-halted' | 'deadlock' | 'max-cycles' | 'fault' | 'triple-fault' | 'unsupported' | 'breakpoint';

export interface EventMap {
  retire: RetireInfo;
  mem: MemEvent;
  line: LineEvent;
  io: IoEvent;
  exception: ExceptionEvent;
  halt: HaltEvent;
  ipi: IpiEvent;
  interrupt: InterruptEvent;
  eoi: EoiEvent;
  mispredict: MispredictEvent;
  stop: StopEvent;
  vmexit: VmExitEvent;
  vmentry: VmEntryEvent;
  vmentryFail: VmEntryFailEvent;
  posted: PostedEvent;
  vintr: VintrEvent;
  eptViolation: EptViolationEvent;
  nic: NicEvent;
  request: RequestEvent;
}
export type EventKind = keyof EventMap;
type Listener<K extends EventKind> = (e: EventMap[K]) => void;

export class EventStream {
  /** Read by producers in hot paths: true iff the kind has a listener. */
  readonly wants: { [K in EventKind]: boolean } = {
    retire: false, mem: false, line: false, io: false, exception: false, halt: false, ipi: false, interrupt: false, eoi: false, mispredict: false, stop: false,
    vmexit: false, vmentry: false, vmentryFail: false, posted: false, vintr: false, eptViolation: false, nic: false, request: false,
  };
  private readonly listeners: { [K in EventKind]: Listener<K>[] } = {
    retire: [], mem: [], line: [], io: [], exception: [], halt: [], ipi: [], interrupt: [], eoi: [], mispredict: [], stop: [],
    vmexit: [], vmentry: [], vmentryFail: [], posted: [], vintr: [], eptViolation: [], nic: [], request: [],
  };

  /** Told when a kind gets its first listener (the machine settles spin sleepers before retire/mem listening starts). */
  onFirstListener: ((kind: EventKind) => void) | null = null;

  on<K extends EventKind>(kind: K, fn: Listener<K>): () => void {
    const list = this.listeners[kind] as Listener<K>[];
    if (list.length === 0 && this.onFirstListener !== null) this.onFirstListener(kind);
    list.push(fn);
    this.wants[kind] = true;
    return () => {
      const i = list.indexOf(fn);
      if (i >= 0) list.splice(i, 1);
      this.wants[kind] = list.length > 0;
    };
  }

  emit<K extends EventKind>(kind: K, e: EventMap[K]): void {
    const list = this.listeners[kind] as Listener<K>[];
    for (let i = 0; i < list.length; i++) list[i]!(e);
  }
}
