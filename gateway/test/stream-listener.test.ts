import { GraphQLError } from 'graphql';
import { EventFrames } from '../src/subscriptions/direct';
import { MAX_BACKLOG_BYTES, StreamListener, type StreamEncoding } from '../src/subscriptions/stream-listener';

const encoding: StreamEncoding<string> = {
  event: (frames) => frames.payload,
  terminal: (error) => `error:${String(error.extensions.code)}`,
};

function listener(backlog = () => 0) {
  const closed: unknown[] = [];
  const made = new StreamListener(encoding, backlog, (l) => closed.push(l));
  return { listener: made, closed };
}

async function drain(iterator: AsyncIterableIterator<string>): Promise<string[]> {
  const items: string[] = [];
  for await (const item of iterator) items.push(item);
  return items;
}

describe('StreamListener', () => {
  it('yields events in order, and ends only after what was sent before', async () => {
    const { listener: l, closed } = listener();
    const reading = drain(l);
    l.send(new EventFrames('{"data":1}'));
    l.send(new EventFrames('{"data":2}'));
    l.end();
    l.send(new EventFrames('{"data":3}'));
    expect(await reading).toEqual(['{"data":1}', '{"data":2}']);
    expect(closed).toEqual([l]);
  });

  it('cuts a client off with SLOW_CONSUMER once its backlog passes the bound, and leaves the feed', async () => {
    let backlog = 0;
    const { listener: l, closed } = listener(() => backlog);
    l.send(new EventFrames('{"data":1}'));
    backlog = MAX_BACKLOG_BYTES + 1;
    l.send(new EventFrames('{"data":2}'));
    expect(closed).toEqual([l]);
    l.send(new EventFrames('{"data":3}'));
    expect(await drain(l)).toEqual(['{"data":1}', 'error:SLOW_CONSUMER']);
  });

  it('ends with the gateway’s error (an ended session) and runs its close handlers once', async () => {
    const { listener: l, closed } = listener();
    let stopped = 0;
    l.onClosed(() => (stopped += 1));
    l.terminate(new GraphQLError('This session has ended', { extensions: { code: 'UNAUTHENTICATED' } }));
    l.terminate(new GraphQLError('again', { extensions: { code: 'UNAUTHENTICATED' } }));
    expect(await drain(l)).toEqual(['error:UNAUTHENTICATED']);
    expect(stopped).toBe(1);
    expect(closed).toHaveLength(1);
  });

  it('stops at once when the client goes away (return, or throw as graphql-sse calls it)', async () => {
    for (const stop of ['return', 'throw'] as const) {
      const { listener: l, closed } = listener();
      l.send(new EventFrames('{"data":1}'));
      const pending = l.next();
      await l[stop]();
      expect(await pending).toEqual({ value: '{"data":1}', done: false });
      expect(await l.next()).toEqual({ value: undefined, done: true });
      expect(closed).toEqual([l]);
    }
  });
});
