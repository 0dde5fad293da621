/** Something with diagnostics to print when a test fails. */
export interface Diagnosable {
  diagnostics(lines?: number): string;
}

/** Runs a test body; if it throws, prints the tails of the given logs, then rethrows. */
export async function withDiagnostics<T>(sources: Array<Diagnosable | undefined>, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    console.log(`\n======== diagnostics (test failed: ${(err as Error)?.message?.split("\n")[0]})`);
    for (const s of sources) if (s) console.log(s.diagnostics());
    console.log("======== end of diagnostics\n");
    throw err;
  }
}
