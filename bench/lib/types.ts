/** The shape every benchmark module (codec, peer load, handshake, scale, crawl, ...) reports in. */

export interface Table {
  readonly title: string;
  readonly columns: readonly string[];
  /** Right-align these columns (numbers); the others are left-aligned. */
  readonly numeric?: readonly number[];
  readonly rows: readonly (readonly string[])[];
  readonly notes?: readonly string[];
}

export interface Target {
  readonly name: string;
  /** The goal as written in the issue, e.g. "≥ 4× bcoin msgs/s". */
  readonly goal: string;
  /** What this run measured, formatted. */
  readonly actual: string;
  readonly met: boolean;
}

export interface ModuleReport {
  readonly tables: readonly Table[];
  readonly targets: readonly Target[];
  /** Method notes: what was measured and how, printed under the tables. */
  readonly notes: readonly string[];
}

export interface BenchContext {
  /** Progress lines for the terminal (not written to BENCHMARKS.md). */
  log(line: string): void;
  /** Scratch directory for this run, removed afterwards. */
  readonly tmpDir: string;
}

export interface BenchModule {
  /** The name used on the command line: `npm run bench -- codec`. */
  readonly name: string;
  readonly title: string;
  run(ctx: BenchContext): Promise<ModuleReport>;
}

export interface ModuleResult extends ModuleReport {
  readonly name: string;
  readonly title: string;
  readonly seconds: number;
  readonly machine: MachineInfo;
}

export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memory: string;
  readonly os: string;
  readonly node: string;
  readonly date: string;
}
