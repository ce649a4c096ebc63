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

import init, { TaskMonitorHost } from "./task_monitor_element.js";

let failure = null;
try {
  await init();
} catch (error) {
  failure = error;
  console.error("task-monitor: could not load its wasm:", error);
}

class TaskMonitorElement extends HTMLElement {
  static get observedAttributes() {
    return failure ? [] : TaskMonitorHost.observedAttributes();
  }

  #host = null;

  connectedCallback() {
    if (this.#host) return;
    const root = this.shadowRoot ?? this.attachShadow({ mode: "open" });
    root.replaceChildren();
    if (failure) {
      root.textContent = `task-monitor could not load: ${failure}`;
      return;
    }
    try {
      this.#host = new TaskMonitorHost(this, root);
    } catch (error) {
      root.textContent = `task-monitor could not start: ${error}`;
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
    this.#host?.start();
  }

  /** Stops the run and cancels its task on the server (as Stop does). */
  stop() {
    this.#host?.stop();
  }

  /** idle, connecting, open, waiting, reconnecting, completed, failed or stopped. */
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
