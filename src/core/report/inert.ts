/**
 * Text fit for a log line, a result and a summary, whatever a server put into it: control
 * characters but the line break (C0, DEL, C1, U+2028 / U+2029) become spaces, a lone surrogate
 * becomes U+FFFD, every `##` is broken with a space, and so is `::` at a line's start or after
 * whitespace (the runner trims a line before it looks for `::`), so that no part of it reads as
 * a GitHub workflow command (`::cmd::` at a line's start, `##[cmd]` anywhere) or an Azure
 * Pipelines logging command (`##vso[` anywhere). Applied after redaction: a value is found as
 * it was sent, before this changes its form.
 */
export function inert(text: string): string {
  return text
    .replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/g, " ")
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd")
    .replace(/(^|\s)::/gm, "$1: :")
    .replace(/#(?=#)/g, "# ");
}
