// The inbox of one EventSource: its message listeners, in JS.
//
// The browser dispatches every event of a network chunk in one task, so the
// listener must be as cheap as the browser's own counter: it only keeps the
// event's type, lastEventId and data. Wasm takes them all at once with
// take(), each field followed by a carriage return (which no SSE field can
// contain: wire/message_batch.rs reads it). It
// is woken by wake(count) on the first event after a take, and on every event
// once `takeEvery` events or `takeBytes` of data have queued up (then it says
// at least `takeEvery`, which asks for a take now): taken that soon, the
// event strings die young, which keeps the garbage collector's pauses short.
// It also remembers whether any data held U+FFFD, the mark a body in another
// charset leaves once the browser decoded it as UTF-8 (one scan per take).
export class Inbox {
  constructor(source, types, takeEvery, takeBytes, wake) {
    this.source = source;
    this.types = types;
    this.parts = [];
    this.count = 0;
    this.bytes = 0;
    this.replaced = false;
    this.listener = (event) => {
      this.parts.push(event.type, event.lastEventId, event.data);
      this.count += 1;
      this.bytes += event.data.length;
      if (this.bytes >= takeBytes) {
        wake(Math.max(this.count, takeEvery));
      } else if (this.count === 1 || this.count >= takeEvery) {
        wake(this.count);
      }
    };
    for (const type of types) {
      source.addEventListener(type, this.listener);
    }
  }

  // Every queued event as one string, oldest first ("" when none).
  take() {
    if (this.count === 0) {
      return "";
    }
    const batch = this.parts.join("\r") + "\r";
    this.replaced ||= batch.includes("\uFFFD");
    this.parts = [];
    this.count = 0;
    this.bytes = 0;
    return batch;
  }

  // Whether any data so far, taken or not, held U+FFFD.
  sawReplacementChar() {
    return this.replaced || this.parts.some((part) => part.includes("\uFFFD"));
  }

  // Stops listening; queued events are dropped.
  detach() {
    for (const type of this.types) {
      this.source.removeEventListener(type, this.listener);
    }
    this.parts = [];
    this.count = 0;
    this.bytes = 0;
  }
}
