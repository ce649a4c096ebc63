// The browser's own EventSource with the hand-written page.
import { bench } from './page.js';

bench((url, message, fail) => {
  const source = new EventSource(url);
  source.onmessage = (event) => message(event.data, event.lastEventId);
  source.onerror = () => fail('connection error');
  return () => source.close();
});
