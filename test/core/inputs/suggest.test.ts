// "Did you mean": near typos get the word meant; far words, and ties, get nothing.
import assert from "node:assert/strict";
import { test } from "node:test";
import { didYouMean, editDistance, nearest } from "../../../src/core/inputs/suggest.ts";

test("edit distance counts insertions, deletions and substitutions", () => {
  assert.equal(editDistance("", "abc"), 3);
  assert.equal(editDistance("gett", "get"), 1);
  assert.equal(editDistance("vualt-url", "vault-url"), 1);
  assert.equal(editDistance("kitten", "sitting"), 3);
  assert.equal(editDistance("lsit", "list"), 1, "a swap of two neighbours is one edit");
});

test("a typo gets the word meant; something else gets nothing", () => {
  const modes = ["set", "get", "list", "delete"];
  assert.equal(nearest("gett", modes), "get");
  assert.equal(nearest("GET", modes), undefined, "an exact match (any case) is no typo");
  assert.equal(nearest("dleete", modes), "delete");
  assert.equal(nearest("rotate", modes), undefined);
  assert.equal(nearest("lsit", modes), "list");
  assert.equal(nearest("--vualt-url", ["--vault-url", "--variable-prefix"]), "--vault-url");
  // Equally near two words: no guess.
  assert.equal(nearest("xet", ["set", "get"]), undefined);
  assert.equal(didYouMean("lst", modes), "; did you mean list?");
  assert.equal(didYouMean("zzz", modes), "");
});
