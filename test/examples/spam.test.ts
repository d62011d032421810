// examples/spam-transformer.ts in a shortened form (600 messages, 2 epochs): the transformer must beat the
// majority-class baseline on the held-out messages, and the text kept of a message is its Subject and body only.
import { describe, expect, it, vi } from 'vitest';
import { messageText, trainSpamTransformer } from '../../examples/spam-transformer.js';

vi.mock('tensornode', () => import('../../lib/index.js'));

describe('examples/spam-transformer', () => {
  it('keeps the Subject line and the start of the body, not the other headers', () => {
    const raw = 'From: a@b.c\r\nReceived: by relay.example\r\nSubject:  Cheap pills \r\n\r\nBuy now, limited offer';
    expect(messageText(raw, 8)).toBe('Cheap pills\nBuy now,');
    expect(messageText('Subject: only headers', 100)).toBe('only headers\n');
  });

  it('beats the majority-class baseline on held-out messages', async () => {
    const r = await trainSpamTransformer({ maxMessages: 600, epochs: 2, verbose: 0 });
    expect([r.trainMessages, r.testMessages]).toEqual([480, 120]);
    expect(r.baselineAccuracy).toBeGreaterThan(0.5);
    expect(r.accuracy).toBeGreaterThan(r.baselineAccuracy + 0.05);
  }, 30000);
});
