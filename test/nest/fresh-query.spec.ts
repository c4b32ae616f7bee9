import { FreshQuery } from '../../src/nest/http/dashboard/fresh-query';

/** A query whose runs the test finishes by hand, counting runs and how many overlap. */
function manualQuery() {
  const state = { runs: 0, inFlight: 0, maxInFlight: 0, finish: [] as ((n: number) => void)[] };
  const query = () => {
    state.runs++;
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    const run = state.runs;
    return new Promise<number>((resolve) => {
      state.finish.push(() => {
        state.inFlight--;
        resolve(run);
      });
    });
  };
  return { state, query };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('FreshQuery', () => {
  it('gives callers that arrive together one run', async () => {
    const { state, query } = manualQuery();
    const fresh = new FreshQuery(query, 0);
    const answers = Promise.all([fresh.get(), fresh.get(), fresh.get()]);
    await settle();
    expect(state.runs).toBe(1);
    state.finish[0](0);
    expect(await answers).toEqual([1, 1, 1]);
  });

  it('answers a caller that arrives during a run with the next run, never overlapping them', async () => {
    const { state, query } = manualQuery();
    const fresh = new FreshQuery(query, 0);
    const first = fresh.get();
    await settle();
    const second = fresh.get();
    const third = fresh.get();
    await settle();
    expect(state.runs).toBe(1);
    state.finish[0](0);
    expect(await first).toBe(1);
    await settle();
    expect(state.runs).toBe(2);
    state.finish[1](0);
    expect(await second).toBe(2);
    expect(await third).toBe(2);
    expect(state.maxInFlight).toBe(1);
  });

  it('lets a failed run fail its callers only', async () => {
    let calls = 0;
    const fresh = new FreshQuery(async () => {
      calls++;
      if (calls === 1) throw new Error('store down');
      return calls;
    }, 0);
    await expect(fresh.get()).rejects.toThrow('store down');
    expect(await fresh.get()).toBe(2);
  });
});
