/**
 * What the bundles give the Azure SDK for `FormData` in its check of each request's body,
 * `typeof FormData !== "undefined" && body instanceof FormData` (scripts/lazy-load.mjs puts it
 * in those files only). Node's global `FormData` is a getter that loads Node's own undici the
 * first time it is read, some 40 ms of a run that never sends a form. A `FormData` tells what it
 * is (its `Symbol.toStringTag`), so only a value that says so is checked against the global: the
 * answer is the global's own, and the global is read only for a body that could be one.
 * This room imports nothing.
 */
export const FormData = {
  [Symbol.hasInstance](value: unknown): boolean {
    if (Object.prototype.toString.call(value) !== "[object FormData]") return false;
    const global: unknown = globalThis.FormData;
    return typeof global === "function" && value instanceof global;
  },
};
