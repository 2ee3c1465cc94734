import { createRequestTracker, watchBody } from './in-flight.js';

describe('request tracker', () => {
  it('Should resolve idle() only when every request is done, and count each done once', async () => {
    const tracker = createRequestTracker();
    const a = tracker.enter();
    const b = tracker.enter();
    let idle = false;
    const waiting = tracker.idle().then(() => (idle = true));
    a();
    a();
    await Promise.resolve();
    expect(tracker.active).toBe(1);
    expect(idle).toBe(false);
    b();
    await waiting;
    expect(tracker.active).toBe(0);
  });

  it('Should report a watched body done when it is read to the end or cancelled', async () => {
    const source = () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('data: x\n\n'));
        },
      });
    let cancelled = 0;
    const watched = watchBody(source(), () => cancelled++);
    const reader = watched.getReader();
    await reader.read();
    await reader.cancel();
    expect(cancelled).toBe(1);

    let finished = 0;
    const complete = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array([1]));
        controller.close();
      },
    });
    expect(await new Response(watchBody(complete, () => finished++)).arrayBuffer()).toHaveProperty('byteLength', 1);
    expect(finished).toBe(1);
  });
});
