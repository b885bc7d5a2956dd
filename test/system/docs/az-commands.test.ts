// Every `az` command line the documents give a user to copy exists in the real Azure CLI, with
// every flag it uses: for each ```bash / ```sh block line that starts with `az `, `az <command>
// --help` must succeed and name each `--flag` (and `-x`) of the line. The help of one command is
// asked once, two at a time (Debian's azure-cli, as CI installs it: 2.45).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { promisify } from "node:util";

const root = path.resolve(import.meta.dirname, "..", "..", "..");
const az = "/usr/bin/az";
const run = promisify(execFile);
// A profile of its own: nothing of the machine's az sign-in or configuration is read.
const configDir = mkdtempSync(path.join(tmpdir(), "az-docs-"));
after(() => rmSync(configDir, { recursive: true, force: true }));

/**
 * Commands whose `--help` crashes in Debian's azure-cli 2.45 before it prints anything (its
 * packaged SDKs do not match the CLI: `azure.keyvault.v7_0` is missing, the network module's
 * `_params.py` reads an enum the packaged SDK lacks). For these, the test proves the command is
 * listed by its group's help, and checks the flags against this list, taken from the Azure CLI
 * reference (learn.microsoft.com/cli/azure) of each command.
 */
const flagsOfCrashingHelp: Record<string, string[]> = {
  "keyvault secret recover": ["--name", "--vault-name", "--id"],
  "keyvault secret list-deleted": ["--vault-name", "--id", "--maxresults"],
  "keyvault secret show-deleted": ["--name", "--vault-name", "--id"],
  "keyvault secret set-attributes": [
    "--vault-name",
    "--name",
    "--id",
    "--version",
    "--tags",
    "--enabled",
    "--expires",
    "--not-before",
    "--content-type",
  ],
  "network private-endpoint create": [
    "--name",
    "--resource-group",
    "--vnet-name",
    "--subnet",
    "--private-connection-resource-id",
    "--group-id",
    "--group-ids",
    "--connection-name",
    "--location",
  ],
  "network private-endpoint dns-zone-group create": [
    "--resource-group",
    "--endpoint-name",
    "--name",
    "--private-dns-zone",
    "--zone-name",
  ],
};
const globalFlags = ["--help", "-h", "--output", "-o", "--query", "--debug", "--verbose"];

interface AzLine {
  where: string;
  command: string;
  flags: string[];
}

/** The documents: every *.md under docs/, and the README and CONTRIBUTING. */
function documents(): string[] {
  const docs = existsSync(path.join(root, "docs"))
    ? readdirSync(path.join(root, "docs"), { recursive: true, encoding: "utf8" })
        .filter((f) => f.endsWith(".md"))
        .map((f) => path.join("docs", f))
    : [];
  return ["README.md", "CONTRIBUTING.md", ...docs].sort();
}

/** Shell words of one line, quotes taken off (enough for the commands a document shows). */
function words(line: string): string[] {
  const found: string[] = [];
  for (const m of line.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g)) {
    const word = m[1] ?? m[2] ?? m[3] ?? "";
    if (m[3]?.startsWith("#")) break; // a comment
    found.push(word);
  }
  return found;
}

/** Every `az` line of the documents' bash / sh blocks, continuation lines joined. */
export function azLines(file: string, text: string): AzLine[] {
  const lines: AzLine[] = [];
  let fence: string | undefined;
  const source = text.split("\n");
  for (let i = 0; i < source.length; i++) {
    const line = source[i] ?? "";
    const open = /^\s*```\s*(\w*)/.exec(line);
    if (open) {
      fence = fence === undefined ? (open[1] ?? "") : undefined;
      continue;
    }
    if (fence === undefined || !["bash", "sh", "shell"].includes(fence)) continue;
    let full = line.trim();
    const start = i + 1;
    while (full.endsWith("\\") && i + 1 < source.length)
      full = `${full.slice(0, -1)} ${source[++i]?.trim() ?? ""}`;
    if (!full.startsWith("az ")) continue;
    const tokens = words(full).slice(1);
    const firstOption = tokens.findIndex((t) => t.startsWith("-"));
    const command = (firstOption < 0 ? tokens : tokens.slice(0, firstOption)).join(" ");
    const flags = tokens.filter((t) => /^--?[a-zA-Z]/.test(t)).map((t) => t.split("=")[0] ?? t);
    lines.push({ where: `${file}:${start}`, command, flags: [...new Set(flags)] });
  }
  return lines;
}

/** The commands checked through flagsOfCrashingHelp, for the test's diagnostics. */
const checkedByList = new Set<string>();

/** What `az <command> --help` says: the flags it names, or why it gave no help. */
const helpCache = new Map<string, Promise<{ ok: boolean; text: string }>>();
function help(command: string): Promise<{ ok: boolean; text: string }> {
  let cached = helpCache.get(command);
  if (!cached) {
    cached = run(az, [...command.split(" "), "--help"], {
      env: { ...process.env, AZURE_CONFIG_DIR: configDir, AZURE_CORE_COLLECT_TELEMETRY: "false" },
      maxBuffer: 4 * 1024 * 1024,
    }).then(
      ({ stdout }) => ({ ok: true, text: stdout }),
      (e: unknown) => {
        const out = e as { stdout?: string; stderr?: string };
        return { ok: false, text: `${out.stdout ?? ""}${out.stderr ?? ""}` };
      },
    );
    helpCache.set(command, cached);
  }
  return cached;
}

/** Runs `work` over `items`, `limit` at a time (the machine has two cores). */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: limit }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
    }),
  );
}

/** What is wrong with each line: an unknown command or a flag its help does not name. */
async function problemsOf(lines: AzLine[]): Promise<string[]> {
  const commands = [...new Set(lines.map((l) => l.command))];
  const known = new Map<string, { flags: Set<string> } | { error: string }>();
  await pool(commands, 2, async (command) => {
    const answer = await help(command);
    const flagsIn = (text: string): Set<string> =>
      new Set([...text.matchAll(/(?<![\w-])(--?[a-zA-Z][\w-]*)/g)].map((m) => m[1] ?? ""));
    if (answer.ok) {
      known.set(command, { flags: flagsIn(answer.text) });
      return;
    }
    const listed = flagsOfCrashingHelp[command];
    if (listed && /Traceback|ModuleNotFoundError|AttributeError/.test(answer.text)) {
      // The nearest group above it whose help works must list the next word of the command.
      const parts = command.split(" ");
      for (let depth = parts.length - 1; depth >= 1; depth--) {
        const group = await help(parts.slice(0, depth).join(" "));
        if (!group.ok) continue;
        const word = parts[depth] ?? "";
        if (new RegExp(`^\\s+${word}\\s+(\\[\\w+\\]\\s+)?:`, "m").test(group.text)) {
          checkedByList.add(`az ${command} (az ${parts.slice(0, depth).join(" ")} lists ${word})`);
          known.set(command, { flags: new Set([...listed, ...globalFlags]) });
          return;
        }
        break;
      }
    }
    const reason = answer.text.split("\n").find((l) => /error/i.test(l)) ?? "no help";
    known.set(command, { error: `az ${command} --help failed: ${reason.trim()}` });
  });
  return lines.flatMap((line) => {
    const entry = known.get(line.command);
    if (!entry) return [`${line.where}: az ${line.command}: not checked`];
    if ("error" in entry) return [`${line.where}: ${entry.error}`];
    return line.flags
      .filter((flag) => !entry.flags.has(flag))
      .map((flag) => `${line.where}: az ${line.command}: no flag ${flag}`);
  });
}

const hasAz = existsSync(az);

test(
  "every az command line of the documents exists, with every flag it uses",
  { skip: !hasAz && !process.env.CI ? `${az} is not installed` : false },
  async (t) => {
    const lines = documents().flatMap((file) =>
      azLines(file, readFileSync(path.join(root, file), "utf8")),
    );
    assert.ok(
      lines.some((l) => l.where.startsWith(path.join("docs", "first-run-azure.md"))),
      "docs/first-run-azure.md has no az command to check",
    );
    assert.deepEqual(await problemsOf(lines), []);
    t.diagnostic(`${lines.length} az lines, ${new Set(lines.map((l) => l.command)).size} commands`);
    for (const how of checkedByList)
      t.diagnostic(`help crashes in this az; checked by list: ${how}`);
  },
);

test(
  "the check finds a command az does not have and a flag a command does not take",
  { skip: !hasAz && !process.env.CI ? `${az} is not installed` : false },
  async () => {
    const text = [
      "```bash",
      "az keyvault update --name kv --enable-purge-protection true \\",
      "  --no-such-flag x",
      "az keyvault no-such-command --name kv",
      "```",
      "```yaml",
      "az keyvault not-checked --in-yaml",
      "```",
    ].join("\n");
    const lines = azLines("example.md", text);
    assert.deepEqual(
      lines.map((l) => [l.command, l.flags]),
      [
        ["keyvault update", ["--name", "--enable-purge-protection", "--no-such-flag"]],
        ["keyvault no-such-command", ["--name"]],
      ],
    );
    const problems = await problemsOf(lines);
    assert.equal(problems.length, 2, problems.join("\n"));
    assert.match(problems[0] ?? "", /^example\.md:2: az keyvault update: no flag --no-such-flag$/);
    assert.match(problems[1] ?? "", /^example\.md:4: az keyvault no-such-command --help failed/);
  },
);
