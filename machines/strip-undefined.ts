// Options as callers pass them, less the keys they left undefined, so that defaults show through.

/** `o` without its undefined values: spread over defaults, an option given as `undefined` keeps its default. */
export function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
