/** Small numeric and formatting helpers shared by the benchmarks. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Relative spread of the samples: (max - min) / median, to show how noisy a figure was. */
export function spread(values: readonly number[]): number {
  if (values.length < 2) return 0;
  return (Math.max(...values) - Math.min(...values)) / median(values);
}

/** 1234567 → "1.23 M", 12345 → "12.3 k". */
export function si(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${(value / 1e9).toPrecision(3)} G`;
  if (abs >= 1e6) return `${(value / 1e6).toPrecision(3)} M`;
  if (abs >= 1e3) return `${(value / 1e3).toPrecision(3)} k`;
  return value.toPrecision(3);
}

export const mbps = (bytes: number, ms: number): number => bytes / 1e6 / (ms / 1e3);
export const perSecond = (count: number, ms: number): number => count / (ms / 1e3);

export const fmtMBps = (value: number): string =>
  Number.isFinite(value) ? value.toFixed(value < 100 ? 1 : 0) : '–';
export const fmtRatio = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(2)}×` : '–');
export const fmtPct = (value: number): string =>
  Number.isFinite(value) ? `${(value * 100).toFixed(0)}%` : '–';
export const fmtMs = (value: number): string => (value < 10 ? value.toFixed(2) : value.toFixed(1));
export const mark = (met: boolean): string => (met ? '✔' : '✘');

/** Deterministic pseudo-random numbers (xorshift128+ style on 32-bit lanes), so every run sees the same bytes. */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    // splitmix32 to spread the seed over the state
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next() | 1;
  }

  /** xoshiro128** */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  int(below: number): number {
    return Math.floor((this.u32() / 2 ** 32) * below);
  }

  u64(): bigint {
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let i = 0;
    for (; i + 4 <= n; i += 4) out.writeUInt32LE(this.u32(), i);
    for (; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;
