// Rewrites wasm-bindgen's `--target web` glue for a wasm whose imports,
// exports and import modules `wasm-opt --minify-imports-and-exports-and-modules`
// renamed. wasm-bindgen names every import `__wbg_<name>_<16 hex digits>`
// under a module path repeated for each, and those names are most of the
// import section (and appear again in the glue); minified, the element's
// wasm and glue load about 4 KB less gzipped.
//
//   node minify_glue.mjs GLUE.js MAP.json   (MAP: what wasm-opt printed)
//
// The rules, each checked (the script fails rather than write a glue that
// does not match its wasm):
// - every export `old` the glue uses as `wasm.old` becomes `wasm.new`;
// - every import of the glue's own object (`importN = { old: function ...`)
//   is declared under its new name;
// - the imports object becomes one module, `a`, holding the glue's own
//   imports and each snippet module's function under its new name.
import { readFileSync, writeFileSync } from "node:fs";

const [gluePath, mapPath] = process.argv.slice(2);
if (!gluePath || !mapPath) {
  console.error("usage: node minify_glue.mjs GLUE.js MAP.json");
  process.exit(2);
}
let glue = readFileSync(gluePath, "utf8");
const map = JSON.parse(readFileSync(mapPath, "utf8"));
const fail = (why) => {
  console.error(`minify_glue: ${gluePath}: ${why}`);
  process.exit(1);
};
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

// The glue's imports object: `return { __proto__: null, "module": importN, ... };`
const returned = /return \{\s*__proto__: null,((?:\s*"[^"]+": import\d+,)+)\s*\};/.exec(glue);
if (!returned) fail("no imports object of the expected shape");
const moduleObject = new Map();
for (const [, path, name] of returned[1].matchAll(/"([^"]+)": (import\d+),/g)) moduleObject.set(path, name);

// The glue's own import objects: `const importN = {` ... `};` (declared, not `import * as`).
const declared = new Set([...glue.matchAll(/const (import\d+) = \{/g)].map((m) => m[1]));
// The snippet modules' functions, under their new names (`short: importN.field`).
const snippets = [];
for (const [module, field, short] of map.imports) {
  const object = moduleObject.get(module);
  if (!object) fail(`the wasm imports from ${module}, which the glue does not provide`);
  if (declared.has(object)) {
    const key = new RegExp(`^(\\s+)${escape(field)}: function\\(`, "m");
    if (!key.test(glue)) fail(`no declaration of the import ${field}`);
    glue = glue.replace(key, `$1${short}: function(`);
  } else {
    snippets.push(`${short}: ${object}.${field}`);
  }
}
const owners = [...new Set([...moduleObject.values()].filter((name) => declared.has(name)))];
if (owners.length !== 1) fail(`expected one declared import object, found ${owners.length}`);
glue = glue.replace(
  returned[0],
  `return { __proto__: null, a: Object.assign(${owners[0]}, { ${snippets.join(", ")} }) };`,
);

for (const [field, short] of map.exports) {
  glue = glue.replace(new RegExp(`\\bwasm\\.${escape(field)}\\b`, "g"), `wasm.${short}`);
}
const unknown = [...glue.matchAll(/\bwasm\.([A-Za-z_$][\w$]*)/g)]
  .map((m) => m[1])
  .filter((name) => !map.exports.some(([, short]) => short === name));
if (unknown.length) fail(`exports the wasm no longer has: ${[...new Set(unknown)].join(", ")}`);
writeFileSync(gluePath, glue);
