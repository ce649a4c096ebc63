// @microsoft/fetch-event-source with the hand-written page.
import { fetchEventSource } from '@microsoft/fetch-event-source';
import { bench } from './page.js';

bench((url, message, fail) => {
  const controller = new AbortController();
  fetchEventSource(url, {
    signal: controller.signal,
    openWhenHidden: true,
    onmessage: (event) => message(event.data, event.id),
    onerror: (error) => {
      fail(error);
      throw error;
    },
  }).catch(() => {});
  return () => controller.abort();
});
