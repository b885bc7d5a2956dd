/**
 * SIGINT and SIGTERM as an `AbortSignal` for the core. A cancelled GitHub step gets SIGINT,
 * then SIGTERM 7.5 s later, then its process tree is killed 2.5 s after that (the runner's
 * ProcessInvoker); the Azure Pipelines agent does the same with the same delays. The core stops
 * sending on the first signal and reports within a few seconds, so the record is written before
 * anything is killed. A second signal (Ctrl-C twice at a terminal) ends the process at once.
 */
const codes = { SIGINT: 130, SIGTERM: 143 } as const;
type Name = keyof typeof codes;

/** How long the process may take to exit once the cancelled run has reported. */
const exitGraceMs = 2_000;

export interface Cancellation {
  signal: AbortSignal;
  /** After the run: the signal's exit code (128 + its number) when it was cancelled. */
  settle(): void;
}

export function cancelOnSignals(): Cancellation {
  const controller = new AbortController();
  let received: Name | undefined;
  const on = (name: Name): void => {
    if (received !== undefined) process.exit(codes[received]);
    received = name;
    controller.abort(name);
  };
  for (const name of Object.keys(codes) as Name[]) process.on(name, () => on(name));
  return {
    signal: controller.signal,
    settle() {
      if (received === undefined) return;
      process.exitCode = codes[received];
      // Whatever still holds the event loop (a socket the vault has not closed) is not waited for.
      setTimeout(() => process.exit(codes[received ?? "SIGINT"]), exitGraceMs).unref();
    },
  };
}
