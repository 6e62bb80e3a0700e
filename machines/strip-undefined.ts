// Options as callers pass them, less the keys they left undefined, so that defaults show through.

/** The keys of T whose type does not admit undefined: stripping never removes them. */
type DefinedKeys<T> = { [K in keyof T]-?: undefined extends T[K] ? never : K }[keyof T];

/** `o` without its undefined values: spread over defaults, an option given as `undefined` keeps its default. */
export function stripUndefined<T extends object>(o: T): Partial<T> & Pick<T, DefinedKeys<T>> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T> & Pick<T, DefinedKeys<T>>;
}
