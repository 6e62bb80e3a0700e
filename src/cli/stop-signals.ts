// What asks a running command to stop cleanly: SIGINT, SIGTERM, or a reader that went away.

/**
 * The events a command stops on. `SIGPIPE` is what the `bitcoin-node` binary emits when stdout's
 * reader has gone (`bitcoin-node connect --json | head -2`): a normal way to stop a CLI, as quiet
 * as Ctrl-C.
 */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGPIPE'] as const;

/** Calls `stop` on the first stop signal; returns a function that stops listening. */
export function onStopSignal(signals: NodeJS.EventEmitter, stop: () => void): () => void {
  for (const signal of STOP_SIGNALS) signals.on(signal, stop);
  return () => {
    for (const signal of STOP_SIGNALS) signals.off(signal, stop);
  };
}
