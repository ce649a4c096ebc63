// eventsource-parser over a bare fetch reader with the hand-written page;
// with `?count=1` (the counting limit) it only counts events.
import { createParser } from 'eventsource-parser';
import { bench } from './page.js';

const count = new URLSearchParams(location.search).get('count') === '1';

bench(
  (url, message, fail) => {
    const controller = new AbortController();
    const parser = createParser({ onEvent: (event) => message(event.data, event.id) });
    (async () => {
      const response = await fetch(url, { signal: controller.signal, cache: 'no-store' });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.feed(value);
      }
    })().catch((error) => {
      if (error.name !== 'AbortError') fail(error);
    });
    return () => controller.abort();
  },
  { count },
);
