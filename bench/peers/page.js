// The one hand-written page every peer drives: what a developer writes
// around an SSE library. Each message's data is parsed as JSON, its line
// appended as one <div> with textContent (the last 10 000 kept), the bar and
// its label set from its progress. `bench(open)` gives the benchmark's
// protocol (`window.startBench()`, `window.__bench`) around a peer's own way
// of opening the stream: `open(url, message, fail)` calls `message(data, id)`
// per event and returns a function that closes the stream.

const KEPT = 10000;

function makePage() {
  const log = document.getElementById('log');
  const bar = document.getElementById('bar');
  const label = document.getElementById('label');
  let lines = 0;
  return function show(data) {
    let parsed;
    try {
      parsed = JSON.parse(data);
    } catch (error) {
      return;
    }
    if (typeof parsed.message === 'string') {
      const line = document.createElement('div');
      line.textContent = parsed.message;
      log.appendChild(line);
      if (++lines > KEPT) {
        log.firstChild.remove();
        lines--;
      }
    }
    if (typeof parsed.progress === 'number') {
      bar.value = parsed.progress;
      label.textContent = parsed.progress + '%';
    }
  };
}

export function bench(open, options = {}) {
  const url = new URLSearchParams(location.search).get('url');
  const result = { events: 0, done: false, longTasks: [] };
  window.__bench = result;
  try {
    new PerformanceObserver((list) => {
      list.getEntries().forEach((entry) => result.longTasks.push(entry.duration));
    }).observe({ type: 'longtask' });
  } catch (error) {}
  window.startBench = () => {
    const t0 = performance.now();
    const show = options.count ? () => {} : makePage();
    let close = () => {};
    const finish = (error) => {
      if (result.done) return;
      close();
      result.ms = performance.now() - t0;
      if (error) result.error = String(error);
      result.done = true;
    };
    close = open(
      url,
      (data, id) => {
        // A block without data is no event (WHATWG); some parsers hand it on
        // (fetch-event-source does for the stream's leading `retry:`).
        if (data === '') return;
        result.events++;
        show(data);
        if (id === 'CLOSE') finish();
      },
      finish,
    );
  };
}
