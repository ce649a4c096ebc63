// One render's task-line events (see element/src/line_batch.rs).
const LEVELS = ["info", "warning", "error"];

export function dispatchLines(host, texts, textEnds, levels, ids, idEnds, hasIds) {
  let text = 0;
  let id = 0;
  for (let i = 0; i < textEnds.length; i++) {
    const detail = {
      text: texts.substring(text, textEnds[i]),
      level: LEVELS[levels[i]],
      eventId: hasIds[i] ? ids.substring(id, idEnds[i]) : null,
    };
    text = textEnds[i];
    id = idEnds[i];
    host.dispatchEvent(new CustomEvent("task-line", { bubbles: true, composed: true, detail }));
  }
}
