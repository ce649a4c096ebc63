// One tab's link to the others watching the same stream (see tab_link.rs):
// a BroadcastChannel to talk, and a Web Lock that one tab at a time holds,
// the tab that opens the connection. The lock is asked for at once and held
// until close(); a tab that closes gives it up, and the browser grants it to
// the next tab waiting, which then leads.
export function canShare() {
  return typeof BroadcastChannel === "function"
    && typeof navigator === "object" && !!navigator.locks
    && typeof navigator.locks.request === "function";
}

export class TabLink {
  constructor(name, heard, lead) {
    this.closed = false;
    this.channel = new BroadcastChannel(name);
    this.channel.onmessage = (event) => {
      if (!this.closed && typeof event.data === "string") heard(event.data);
    };
    this.abort = new AbortController();
    this.held = new Promise((resolve) => { this.release = resolve; });
    navigator.locks
      .request(name, { signal: this.abort.signal }, () => {
        if (this.closed) return undefined;
        lead();
        return this.held;
      })
      .catch(() => {});
  }

  say(text) {
    if (this.closed) return;
    try { this.channel.postMessage(text); } catch (_) { /* closed meanwhile */ }
  }

  close() {
    this.closed = true;
    this.abort.abort();
    this.release();
    this.channel.onmessage = null;
    this.channel.close();
  }
}
