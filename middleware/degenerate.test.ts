import { degenerateReason } from './degenerate.js';

describe('degenerateReason', () => {
  it.each([
    ['', 'blank'],
    ['  \n\t ', 'blank'],
    [null, 'blank'],
    ['[INST]', 'template tags only'],
    ['<|user|>', 'template tags only'],
    ['<|im_start|>assistant\n<|im_end|>', 'template tags only'],
    ['</s>', 'template tags only'],
    [' [/INST] </s> ', 'template tags only'],
    ['<start_of_turn>model', 'template tags only'],
    ['<|eot_id|><|start_header_id|>assistant<|end_header_id|>', 'template tags only'],
  ])('%j → %s', (text, reason) => {
    expect(degenerateReason(text)).toBe(reason);
  });

  it.each([
    'Paris.',
    'Use <s> for strikethrough in HTML: <s>old</s> text',
    '[INST] is a Mistral tag.',
    'The user asked: yes',
    '42',
  ])('keeps real answers: %j', (text) => {
    expect(degenerateReason(text)).toBeNull();
    expect(degenerateReason(text)).toBeNull(); // no regex state leaks between calls
  });
});
