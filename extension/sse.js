// A parser for server-sent events (the service's live stream), as the HTML
// specification's "Interpreting an event stream" says: lines end in CRLF, LF
// or CR (also split across chunks); a line starting with ':' is a comment;
// `data:` lines join with newlines; `id:` sets the last event id (not if it
// holds NULL); `retry:` with digits only sets the reconnection time; a
// blank line dispatches the event, unless it has no data. One space after
// the colon is dropped, and a byte-order mark at the very start.
//
// The background reads the stream with fetch (an EventSource cannot send
// the bearer token), so it needs this.

/**
 * Returns `push(text)`, which takes the stream's decoded text in any
 * chunks and returns the events completed so far: `{ type, data, id }`,
 * `id` being the last event id when the event was dispatched. `onRetry(ms)`
 * hears a new reconnection time.
 */
export function eventStreamParser({ onRetry = () => {} } = {}) {
  let buffer = '';
  let started = false;
  let skipLf = false; // the chunk before ended in CR; a leading LF belongs to it
  let data = [];
  let type = '';
  let lastId = '';

  const line = (text, events) => {
    if (text === '') {
      if (data.length > 0) events.push({ type: type || 'message', data: data.join('\n'), id: lastId });
      data = [];
      type = '';
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') type = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id' && !value.includes('\0')) lastId = value;
    else if (field === 'retry' && /^[0-9]+$/.test(value)) onRetry(Number(value));
  };

  return function push(text) {
    const events = [];
    if (!started && text.length > 0) {
      started = true;
      if (text.startsWith('\uFEFF')) text = text.slice(1);
    }
    if (skipLf && text.startsWith('\n')) text = text.slice(1);
    skipLf = false;
    buffer += text;
    let start = 0;
    for (let i = 0; i < buffer.length; i++) {
      const c = buffer[i];
      if (c !== '\n' && c !== '\r') continue;
      line(buffer.slice(start, i), events);
      if (c === '\r') {
        if (i + 1 < buffer.length) {
          if (buffer[i + 1] === '\n') i++;
        } else {
          skipLf = true;
        }
      }
      start = i + 1;
    }
    buffer = buffer.slice(start);
    return events;
  };
}
