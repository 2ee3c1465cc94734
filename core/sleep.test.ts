import { sleep } from './sleep.js';

describe('sleep', () => {
  it('Should resolve after the wait when not aborted', async () => {
    await expect(sleep(1, new AbortController().signal)).resolves.toBeUndefined();
  });

  it("Should reject with the signal's own reason, before and during the wait", async () => {
    const reason = new Error('deadline');
    await expect(sleep(10, AbortSignal.abort(reason))).rejects.toBe(reason);
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
  });
});
