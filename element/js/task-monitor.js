// <task-monitor>: live task progress over Server-Sent Events for any page.
//
//   <script type="module" src="/element/task-monitor.js"></script>
//   <task-monitor src="source.php"></task-monitor>
//
// This file defines the custom element; the monitor itself (its view, the
// stream, reconnects, the bounded log) is the Rust crate `task-monitor-element`
// compiled to wasm, loaded once per page however many elements it has.
// Attributes, methods, events and CSS custom properties: README.md,
// section "The <task-monitor> element".

// Everything the element loads is asked for at once, not one file after
// another: the wasm's download starts here, beside the glue's, and so do the
// glue's own imports (their list is written in at build).
// (A failure surfaces where the glue imports the same module, or in init.)
const SNIPPETS = [];
for (const path of SNIPPETS) import(path).catch(() => {});
const wasm = fetch(new URL("./task_monitor_element_bg.wasm", import.meta.url));
wasm.catch(() => {});

// The languages with built-in words besides English. The page's language
// (the element's own `lang`, an ancestor's, or <html lang>) picks one, fetched
// on demand from i18n/ beside this script: an English page loads none.
const LANGUAGES = ["es","fr","de","pt","it","nl","ko","ja","zh","ar"];
const translations = new Map();

/** The built-in words for `element`'s language (a promise), or null for English. */
function translationFor(element) {
  const tag = element.closest("[lang]")?.getAttribute("lang") ?? "";
  const lang = tag.split(/[-_]/)[0].toLowerCase();
  if (!LANGUAGES.includes(lang)) return null;
  if (!translations.has(lang)) {
    const url = new URL(`./i18n/${lang}.json`, import.meta.url);
    translations.set(lang, fetch(url)
      .then((answer) => (answer.ok ? answer.json() : Promise.reject(new Error(`${url}: ${answer.status}`))))
      .catch((error) => {
        console.warn(`task-monitor: no words for "${lang}", English instead:`, error);
        return undefined;
      }));
  }
  return translations.get(lang);
}
// The page's own language, asked for beside the wasm.
translationFor(document.documentElement);

let TaskMonitorHost = null;
let failure = null;
try {
  const glue = await import("./task_monitor_element.js");
  await glue.default({ module_or_path: wasm });
  // transport="fetch-worker" reads in a worker running the worker build.
  glue.useStreamWorker(new URL("./worker/task_monitor_element.js", import.meta.url).href);
  TaskMonitorHost = glue.TaskMonitorHost;
} catch (error) {
  failure = error;
  console.error("task-monitor: could not load its wasm:", error);
}

class TaskMonitorElement extends HTMLElement {
  static get observedAttributes() {
    return failure ? [] : TaskMonitorHost.observedAttributes();
  }

  #host = null;
  // start() called before the words of the page's language arrived.
  #startWhenReady = false;

  connectedCallback() {
    if (this.#host) return;
    const words = translationFor(this);
    if (words) words.then((object) => this.#mount(object));
    else this.#mount(undefined);
  }

  #mount(words) {
    if (this.#host || !this.isConnected) return;
    const root = this.shadowRoot ?? this.attachShadow({ mode: "open" });
    root.replaceChildren();
    if (failure) {
      root.textContent = `task-monitor could not load: ${failure}`;
      return;
    }
    try {
      this.#host = new TaskMonitorHost(this, root, words);
    } catch (error) {
      root.textContent = `task-monitor could not start: ${error}`;
      return;
    }
    if (this.#startWhenReady) {
      this.#startWhenReady = false;
      this.#host.start();
    }
  }

  // Moving the element fires disconnected then connected: only an element
  // still out of the page a moment later is torn down (its stream closed).
  disconnectedCallback() {
    queueMicrotask(() => {
      if (!this.isConnected && this.#host) {
        this.#host.free();
        this.#host = null;
      }
    });
  }

  attributeChangedCallback() {
    this.#host?.attributesChanged();
  }

  /** Starts what the attributes name (as the Start button does). */
  start() {
    if (this.#host) this.#host.start();
    else this.#startWhenReady = true;
  }

  /** Stops the run and cancels its task on the server (as Stop does). */
  stop() {
    this.#startWhenReady = false;
    this.#host?.stop();
  }

  /** idle, connecting, queued, open, waiting, offline, paused, reconnecting, completed, failed or stopped. */
  get status() {
    return this.#host ? this.#host.status() : "idle";
  }

  /** The task's state URL on the task API, once the element created one ("" otherwise). */
  get statusUrl() {
    return this.#host ? this.#host.statusUrl() : "";
  }

  /** The percentage done, 0 to 100. */
  get progress() {
    return this.#host ? this.#host.progress() : 0;
  }
}

if (!customElements.get("task-monitor")) {
  customElements.define("task-monitor", TaskMonitorElement);
}
