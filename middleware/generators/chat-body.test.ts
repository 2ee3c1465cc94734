import { chatBody } from './chat-body.js';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('chatBody', () => {
  it('writes exactly the bytes JSON.stringify writes, members in order', async () => {
    const bodies: Array<Record<string, unknown>> = [
      { model: 'm', messages: [{ role: 'user', content: 'hi' }] },
      {
        temperature: 0.3,
        messages: [
          { role: 'system', content: 'é — 😀 "quoted" \\ \n\u2028' },
          { role: 'user', content: [{ type: 'text', text: 'part' }], name: undefined },
          { role: 'assistant', content: null },
        ],
        stop: ['\n\n'],
        skipped: undefined,
        fn: () => 1,
        seed: 7,
        model: 'up-m',
      },
      { model: 'm', messages: [] },
      { messages: [{ role: 'user', content: 'first' }] },
      { model: 'm' },
    ];
    for (const body of bodies) {
      expect(text(chatBody(body))).toBe(JSON.stringify(body));
      expect(text(chatBody(body, {}))).toBe(JSON.stringify(body));
    }
  });

  it('writes holes and unserialisable elements of messages as null, like JSON.stringify', async () => {
    // eslint-disable-next-line no-sparse-arrays
    const messages = [{ role: 'user', content: 'a' }, , undefined, 'plain'];
    expect(await text(chatBody({ model: 'm', messages }))).toBe(JSON.stringify({ model: 'm', messages }));
  });

  it('shares a message JSON between calls of one request only: one changed between requests is sent as it is', async () => {
    const shared = { role: 'user', content: 'the conversation' };
    const request = {};
    const a = await text(chatBody({ messages: [{ role: 'system', content: 'A' }, shared], seed: 1 }, request));
    const b = await text(chatBody({ messages: [{ role: 'system', content: 'B' }, shared], seed: 2 }, request));
    expect(JSON.parse(a)).toEqual({ messages: [{ role: 'system', content: 'A' }, shared], seed: 1 });
    expect(JSON.parse(b)).toEqual({ messages: [{ role: 'system', content: 'B' }, shared], seed: 2 });
    // Within the request the cached bytes are used (the engine never changes messages during one) ...
    shared.content = 'changed';
    expect(JSON.parse(await text(chatBody({ messages: [shared] }, request)))).toEqual({
      messages: [{ role: 'user', content: 'the conversation' }],
    });
    // ... and the next request, or a call without a key, serialises the message afresh.
    expect(JSON.parse(await text(chatBody({ messages: [shared] }, {})))).toEqual({ messages: [shared] });
    expect(JSON.parse(await text(chatBody({ messages: [shared] })))).toEqual({ messages: [shared] });
  });
});

describe('chatBody within one request', () => {
  const conversation = Array.from({ length: 30 }, (_, i) => ({
    role: i % 2 ? 'assistant' : 'user',
    content: `t${i} é`,
  }));
  const placements = [
    (d: string) => [{ role: 'system', content: d }, ...conversation], // directive prepended
    (d: string) => [...conversation.slice(0, -1), { ...conversation.at(-1)!, content: `${d}\n\nlast` }], // last turn
    (d: string) => [conversation[0]!, { role: 'user', content: d }, ...conversation.slice(1)], // in the middle
    (d: string) => [...conversation.slice(10), { role: 'user', content: d }, ...conversation.slice(0, 10)], // reordered
    (d: string) => [conversation[3]!, conversation[3]!, { role: 'user', content: d }], // an object twice
  ];

  it('every call of a request gets its own exact bytes, whatever it shares with the first', () => {
    for (const first of placements) {
      const requestKey = {};
      expect(text(chatBody({ model: 'm', messages: first('A'), seed: 0 }, requestKey))).toBe(
        JSON.stringify({ model: 'm', messages: first('A'), seed: 0 }),
      );
      for (const [i, later] of placements.entries()) {
        const body = { model: 'm', messages: later(`B${i}`), seed: i };
        expect(text(chatBody(body, requestKey))).toBe(JSON.stringify(body));
      }
    }
  });
});
