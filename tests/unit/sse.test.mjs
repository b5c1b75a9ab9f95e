// The live stream's parser (extension/sse.js) against the rules of the
// server-sent events specification, fed whole and one character at a time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventStreamParser } from '../../extension/sse.js';

/** Every event of `stream`, fed in pieces of `size` characters. */
function parse(stream, size = stream.length) {
  const retries = [];
  const push = eventStreamParser({ onRetry: (ms) => retries.push(ms) });
  const events = [];
  for (let i = 0; i < stream.length; i += size) events.push(...push(stream.slice(i, i + size)));
  return { events, retries };
}

/** The same answer whole and in every chunk size from 1 to 7. */
function parsed(stream) {
  const whole = parse(stream);
  for (let size = 1; size <= 7; size++) assert.deepEqual(parse(stream, size), whole, `in chunks of ${size}`);
  return whole;
}

describe('the live stream parser', () => {
  it('reads the service\'s update events with their ids', () => {
    const { events } = parsed('event: update\nid: 41\ndata: {"unread":3}\n\nevent: update\nid: 42\ndata: {"unread":2}\n\n');
    assert.deepEqual(events, [
      { type: 'update', data: '{"unread":3}', id: '41' },
      { type: 'update', data: '{"unread":2}', id: '42' },
    ]);
  });

  it('joins multi-line data with newlines and drops one space after the colon', () => {
    const { events } = parsed('data: first\ndata:second\ndata:  third\n\n');
    assert.deepEqual(events, [{ type: 'message', data: 'first\nsecond\n third', id: '' }]);
  });

  it('ends lines at CRLF, LF or CR, also when a CRLF is split between chunks', () => {
    const { events } = parsed('event: update\r\ndata: a\r\n\r\nevent: update\rdata: b\r\rdata: c\n\n');
    assert.deepEqual(events.map((e) => e.data), ['a', 'b', 'c']);
    const split = eventStreamParser();
    assert.deepEqual(split('data: x\r'), []);
    assert.deepEqual(split('\n\r'), [{ type: 'message', data: 'x', id: '' }]);
    assert.deepEqual(split('\ndata: y\n\n'), [{ type: 'message', data: 'y', id: '' }], 'the CR LF after the event is one line end');
  });

  it('ignores comments (the keep-alive) and fields it does not know', () => {
    const { events } = parsed(':\n: keep-alive\nfoo: bar\ndata: x\n\n');
    assert.deepEqual(events, [{ type: 'message', data: 'x', id: '' }]);
  });

  it('dispatches nothing for an event without data, but keeps its id', () => {
    const { events } = parsed('event: update\nid: 7\n\ndata: x\n\n');
    assert.deepEqual(events, [{ type: 'message', data: 'x', id: '7' }]);
  });

  it('keeps the last id across events, and ignores an id with NULL', () => {
    const { events } = parsed('id: 5\ndata: a\n\ndata: b\n\nid: 6\u00007\ndata: c\n\nid\ndata: d\n\n');
    assert.deepEqual(events.map((e) => e.id), ['5', '5', '5', '']);
  });

  it('takes retry only when it is all digits', () => {
    const { retries } = parsed('retry: 3000\nretry: 1e3\nretry: -5\nretry:\nretry: 250\n\n');
    assert.deepEqual(retries, [3000, 250]);
  });

  it('drops a byte-order mark at the start, and a field without a colon is a field with no value', () => {
    const { events } = parsed('\uFEFFdata\n\ndata: \uFEFFkept\n\n');
    assert.deepEqual(events, [{ type: 'message', data: '', id: '' }, { type: 'message', data: '\uFEFFkept', id: '' }]);
  });

  it('waits for the blank line: an event cut off by the end of the stream is not dispatched', () => {
    const { events } = parsed('data: complete\n\ndata: cut off');
    assert.deepEqual(events.map((e) => e.data), ['complete']);
  });
});
