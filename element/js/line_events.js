// One render's task-line events (see element/src/line_batch.rs). Each event
// reads its detail ({text, level, eventId}) from the batch's strings only
// when a listener asks for it, so a page that listens to none pays no
// substring and no object per line.
const LEVELS = ["info", "warning", "error"];

class TaskLineEvent extends CustomEvent {
  #batch;
  #index;
  #read = null;

  constructor(batch, index) {
    super("task-line", { bubbles: true, composed: true });
    this.#batch = batch;
    this.#index = index;
  }

  get detail() {
    if (this.#read === null) {
      const { texts, textEnds, levels, ids, idEnds, hasIds } = this.#batch;
      const i = this.#index;
      this.#read = {
        text: texts.substring(i > 0 ? textEnds[i - 1] : 0, textEnds[i]),
        level: LEVELS[levels[i]],
        eventId: hasIds[i] ? ids.substring(i > 0 ? idEnds[i - 1] : 0, idEnds[i]) : null,
      };
    }
    return this.#read;
  }
}

export function dispatchLines(host, texts, textEnds, levels, ids, idEnds, hasIds) {
  // The arrays are views of wasm's memory, valid only during this call:
  // the events keep copies.
  const batch = {
    texts,
    textEnds: textEnds.slice(),
    levels: levels.slice(),
    ids,
    idEnds: idEnds.slice(),
    hasIds: hasIds.slice(),
  };
  for (let i = 0; i < textEnds.length; i++) {
    host.dispatchEvent(new TaskLineEvent(batch, i));
  }
}
