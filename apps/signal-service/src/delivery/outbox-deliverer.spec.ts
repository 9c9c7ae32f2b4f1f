import type { OutboxDoc } from '../store/documents';
import { chunkBySignals, toProfileSignals } from './outbox-deliverer';

function entry(id: string, signals: number): OutboxDoc {
  return {
    _id: id,
    userId: 'u',
    surface: 1,
    sourceKind: 1,
    modality: 1,
    eventTime: new Date(0),
    signals: Array.from({ length: signals }, (_, i) => ({ signalId: `${id}-${i}`, topicId: '500', weight: 0.5, adsEligible: true, contentEligible: false })),
    createdAt: new Date(0),
    availableAt: new Date(0),
    attempts: 0,
  };
}

describe('chunkBySignals', () => {
  it('fills calls up to the signal limit without splitting an entry', () => {
    const calls = chunkBySignals([entry('a', 3), entry('b', 2), entry('c', 4), entry('d', 1)], 5);
    expect(calls.map((call) => call.map((e) => e._id))).toEqual([['a', 'b'], ['c', 'd']]);
  });

  it('gives an entry larger than the limit a call of its own', () => {
    expect(chunkBySignals([entry('a', 1), entry('b', 9), entry('c', 1)], 5).map((call) => call.map((e) => e._id))).toEqual([['a'], ['b'], ['c']]);
    expect(chunkBySignals([], 5)).toEqual([]);
  });
});

describe('toProfileSignals', () => {
  it('carries the entry context onto every signal', () => {
    expect(toProfileSignals(entry('a', 2))).toEqual([
      { signalId: 'a-0', userId: 'u', surface: 1, topicId: '500', weight: 0.5, sourceKind: 1, modality: 1, eventTime: new Date(0), adsEligible: true, contentEligible: false },
      { signalId: 'a-1', userId: 'u', surface: 1, topicId: '500', weight: 0.5, sourceKind: 1, modality: 1, eventTime: new Date(0), adsEligible: true, contentEligible: false },
    ]);
  });
});
