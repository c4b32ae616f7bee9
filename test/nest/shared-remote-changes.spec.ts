import { SharedRemoteChanges } from '../../src/nest/shared-remote-changes';
import { until } from '../support/until';

/** A source that counts its openings and lets the test announce changes. */
function countingSource() {
  const state = {
    opened: 0,
    closed: 0,
    announce: (_id: string): void => undefined,
    listen: (): void => undefined,
  };
  const source = (changed: (executionId: string) => void, listening: () => void) => {
    state.opened++;
    state.announce = changed;
    state.listen = listening;
    return () => {
      state.closed++;
    };
  };
  return { state, source };
}

describe('SharedRemoteChanges', () => {
  it('opens one subscription for every listener and tells each of them', () => {
    const { state, source } = countingSource();
    const shared = new SharedRemoteChanges(() => source, 10_000);
    const heard: string[] = [];
    const stopA = shared.subscribe((id) => heard.push(`a:${id}`));
    const stopB = shared.subscribe((id) => heard.push(`b:${id}`));
    state.announce('x');
    expect(state.opened).toBe(1);
    expect(heard).toEqual(['a:x', 'b:x']);
    stopA();
    state.announce('y');
    expect(heard).toEqual(['a:x', 'b:x', 'b:y']);
    stopB();
    shared.close();
    expect(state.closed).toBe(1);
  });

  it('keeps the subscription for the next listener within the linger, and closes it after', async () => {
    const { state, source } = countingSource();
    const shared = new SharedRemoteChanges(() => source, 50);
    shared.subscribe(() => undefined)();
    shared.subscribe(() => undefined)();
    expect(state.opened).toBe(1);
    expect(state.closed).toBe(0);
    // Closed once the linger has passed with no listener.
    expect(
      await until(
        () => state.closed,
        (closed) => closed > 0,
        { everyMs: 10 },
      ),
    ).toBe(1);
    const stop = shared.subscribe(() => undefined);
    expect(state.opened).toBe(2);
    stop();
    shared.close();
    expect(state.closed).toBe(2);
  });

  it('opens nothing once closed, and asks again for a source that was not there yet', () => {
    const { state, source } = countingSource();
    let ready = false;
    const shared = new SharedRemoteChanges(() => (ready ? source : null), 10_000);
    shared.subscribe(() => undefined)();
    expect(state.opened).toBe(0);
    ready = true;
    shared.subscribe(() => undefined)();
    expect(state.opened).toBe(1);
    shared.close();
    shared.subscribe(() => undefined)();
    expect(state.opened).toBe(1);
    expect(state.closed).toBe(1);
  });

  it('tells those who came before it listened, once, when it does; not later ones', () => {
    const { state, source } = countingSource();
    const shared = new SharedRemoteChanges(() => source, 10_000);
    const told: string[] = [];
    const stopA = shared.subscribe(
      () => undefined,
      () => told.push('a'),
    );
    const stopB = shared.subscribe(
      () => undefined,
      () => told.push('b'),
    );
    stopB();
    state.listen();
    state.listen();
    const stopC = shared.subscribe(
      () => undefined,
      () => told.push('c'),
    );
    expect(told).toEqual(['a']);
    stopA();
    stopC();
    shared.close();
    // A signal from a closed opening does not count for the next one.
    const stopD = shared.subscribe(
      () => undefined,
      () => told.push('d'),
    );
    state.listen();
    expect(told).toEqual(['a']);
    stopD();
  });
});
