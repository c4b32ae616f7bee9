import { withinGrace } from '../runners/within-grace';

/** What one probe found: `up` with how long it took to answer, or `down` with why. */
export type ProbeResult =
  { status: 'up'; responseTimeMs: number } | { status: 'down'; error: string };

/** Asks `question` and waits at most `timeoutMs` for the answer. */
export async function probe(
  question: () => Promise<unknown>,
  timeoutMs: number,
): Promise<ProbeResult> {
  const began = Date.now();
  let failure: unknown;
  const answer = Promise.resolve()
    .then(question)
    .catch((error: unknown) => {
      failure = error ?? new Error('failed');
    });
  if (!(await withinGrace(answer, timeoutMs)))
    return { status: 'down', error: `did not answer within ${timeoutMs} ms` };
  if (failure !== undefined)
    return { status: 'down', error: failure instanceof Error ? failure.message : String(failure) };
  return { status: 'up', responseTimeMs: Date.now() - began };
}
