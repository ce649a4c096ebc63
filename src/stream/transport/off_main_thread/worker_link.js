// The stream worker's link (see worker_link.rs). The worker is a module
// made from a Blob: it imports the page's own wasm-bindgen glue, starts the
// page's compiled wasm module in itself, then hands every post to the
// wasm's `streamWorkerHeard`. Posts that come while it starts wait, in
// order. A worker that cannot start says `!` and why, and closes.
const BOOT = `
let heard = null;
const waiting = [];
self.onmessage = async (event) => {
  if (heard) return heard(event.data);
  waiting.push(event.data);
  if (waiting.length > 1) return;
  try {
    const { glue, module } = event.data;
    const bindings = await import(glue);
    await bindings.default({ module_or_path: module });
    heard = bindings.streamWorkerHeard;
    self.postMessage(["+"]);
    for (const data of waiting.splice(0).slice(1)) heard(data);
  } catch (error) {
    self.postMessage(["!" + ((error && error.message) || error)]);
    self.close();
  }
};
`;

export function canStartWorker() {
  return typeof Worker === "function" && typeof Blob === "function"
    && typeof URL.createObjectURL === "function" && typeof WebAssembly === "object";
}

// The worker, or null where the page may not start one (a Content
// Security Policy throws here, or fails the worker's load later).
export function startWorker(glue, module, heard) {
  const url = URL.createObjectURL(new Blob([BOOT], { type: "text/javascript" }));
  let worker;
  try {
    worker = new Worker(url, { type: "module", name: "sse-task-progress stream" });
  } catch (error) {
    URL.revokeObjectURL(url);
    console.warn("sse-task-progress: streams stay on the main thread: the stream worker cannot start:", error);
    return null;
  }
  worker.onmessage = (event) => {
    if (event.data[0] === "+" || event.data[0][0] === "!") URL.revokeObjectURL(url);
    heard(event.data[0], event.data[1] ?? null);
  };
  worker.onerror = (event) => {
    URL.revokeObjectURL(url);
    heard("!" + (event.message || "the stream worker could not start"), null);
  };
  worker.postMessage({ glue, module });
  return worker;
}

export function tellWorker(worker, text) {
  worker.postMessage(text);
}

// In the worker: a report, and a batch's bytes moved, not copied.
export function tellPage(text, bytes) {
  if (bytes) self.postMessage([text, bytes], [bytes.buffer]);
  else self.postMessage([text]);
}
