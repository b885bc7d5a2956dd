// The real Azure CLI (Debian's azure-cli 2.45) against the emulator: `az cloud register` from its
// ARM metadata, `az login --identity` in both of the CLI's managed identity protocols, a service
// principal through the emulator's AD FS authority, `az account get-access-token`; and the
// action's `auth: azure-cli` path signed in through that real `az`, set then get. TLS stays on:
// the CLI trusts the emulator's CA through REQUESTS_CA_BUNDLE, each test has its own
// AZURE_CONFIG_DIR.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import dotenv from "dotenv";
import type { Emulator } from "../../../src/emulator/index.ts";
import { describeRun, runActionStep, stepTexts } from "../../helpers/github-runner.ts";
import { withEmulator } from "../../helpers/emulator.ts";
import { assertNoLeaks, pemValue, recordScenario, secretValue } from "../../helpers/leaks.ts";
import { runCli } from "../../platforms/cli/cli-process.ts";
import { send } from "../../emulator/wire-client.ts";
import {
  az,
  azEnv,
  describeClient,
  required,
  runClient,
  skipWithout,
  type ClientRun,
} from "./clients.ts";

const subscription = "00000000-0000-0000-0000-00000000c11a";

/** Runs `az` with this environment; fails the test with everything az printed if it fails. */
async function azOk(env: Record<string, string>, ...args: string[]): Promise<ClientRun> {
  const run = await runClient(required(az, "the Azure CLI"), args, env);
  assert.equal(run.code, 0, `az ${args.join(" ")}: ${describeClient(run)}`);
  return run;
}

/** Registers the emulator as a cloud from its ARM metadata and makes it the active one. */
async function useEmulatorCloud(emu: Emulator, env: Record<string, string>): Promise<void> {
  await azOk(
    env,
    "cloud",
    "register",
    "-n",
    "AmlSecretsEmulator",
    "--endpoint-resource-manager",
    emu.armUrl,
  );
  await azOk(env, "cloud", "set", "-n", "AmlSecretsEmulator");
}

/** `az account get-access-token` for the vault, and proof that the vault takes the token. */
async function vaultToken(emu: Emulator, env: Record<string, string>): Promise<void> {
  const run = await azOk(
    env,
    "account",
    "get-access-token",
    "--resource",
    "https://vault.azure.net",
    "-o",
    "json",
  );
  const answer = JSON.parse(run.stdout) as {
    accessToken: string;
    tenant: string;
    tokenType: string;
  };
  assert.equal(answer.tenant, emu.tenantId);
  const listed = await send(`${emu.vaultUrl}/secrets?api-version=7.6`, {
    headers: { authorization: `${answer.tokenType} ${answer.accessToken}` },
  });
  assert.equal(listed.status, 200);
}

const skip = skipWithout(az, "the Azure CLI", "azure-cli");

void describe("the Azure CLI signs in through the emulator", { skip }, () => {
  test("az cloud register reads /metadata/endpoints; az login --identity with MSI_ENDPOINT + MSI_SECRET (2017-09-01)", async () => {
    await withEmulator(async (emu) => {
      emu.addSubscription(subscription);
      const env = azEnv(emu);
      await useEmulatorCloud(emu, env);
      assert.ok(
        emu.requests.some(
          (r) =>
            r.path === "/metadata/endpoints" && r.apiVersion === "2015-01-01" && r.status === 200,
        ),
      );
      const login = await azOk(env, "login", "--identity", "-o", "json");
      const accounts = JSON.parse(login.stdout) as {
        id: string;
        tenantId: string;
        user: { assignedIdentityInfo: string };
      }[];
      assert.deepEqual(
        accounts.map((a) => [a.id, a.tenantId, a.user.assignedIdentityInfo]),
        [[subscription, emu.tenantId, "MSI"]],
      );
      await vaultToken(emu, env);
      const tokens = emu.requests.filter((r) => r.kind === "token");
      assert.ok(
        tokens.length > 0 && tokens.every((r) => r.apiVersion === "2017-09-01" && r.status === 200),
      );
      assert.ok(
        emu.requests.some((r) => r.path === "/subscriptions" && r.apiVersion === "2019-11-01"),
      );
      recordScenario("client azure cli identity", { logs: emu.logs.join("\n") }, [], "none");
    });
  });

  test("az login --identity with MSI_ENDPOINT alone (Cloud Shell's POST), no subscription", async () => {
    await withEmulator(async (emu) => {
      const { MSI_ENDPOINT = "", REQUESTS_CA_BUNDLE = "" } = emu.azureCliEnv();
      const env = azEnv(emu, { MSI_ENDPOINT, REQUESTS_CA_BUNDLE });
      await useEmulatorCloud(emu, env);
      await azOk(env, "login", "--identity", "--allow-no-subscriptions");
      await vaultToken(emu, env);
      assert.ok(
        emu.requests.some((r) => r.kind === "token" && r.method === "POST" && r.status === 200),
      );
    });
  });

  test("az login --service-principal with the emulator as the (AD FS) authority", async () => {
    await withEmulator(async (emu) => {
      emu.addSubscription(subscription);
      const { REQUESTS_CA_BUNDLE = "" } = emu.azureCliEnv();
      const env = azEnv(emu, { REQUESTS_CA_BUNDLE });
      await useEmulatorCloud(emu, env);
      const password = secretValue("sp");
      // The password goes on az's command line here only because it is the emulator's (any
      // non-empty secret is accepted); it is still kept out of every recorded text.
      const login = await azOk(
        env,
        "login",
        "--service-principal",
        "-u",
        "11111111-2222-3333-4444-555555555555",
        "-p",
        password,
        "--tenant",
        emu.tenantId,
      );
      await vaultToken(emu, env);
      assert.ok(emu.requests.some((r) => r.path === "/adfs/oauth2/token" && r.status === 200));
      const texts = { stdout: login.stdout, stderr: login.stderr, logs: emu.logs.join("\n") };
      assertNoLeaks(texts, [password], "none");
      recordScenario("client azure cli service principal", texts, [password], "none");
    });
  });

  test("the action with auth: azure-cli after a real az login --identity: set, then get, byte for byte", async () => {
    await withEmulator(async (emu) => {
      emu.addSubscription(subscription);
      const env = azEnv(emu);
      await useEmulatorCloud(emu, env);
      await azOk(env, "login", "--identity");
      const values = {
        DB_PASSWORD: secretValue("db"),
        TLS_KEY: pemValue(),
        NOTE: `${secretValue("ñote")} ✓ 🔐`,
      };
      const all = Object.values(values);
      // The step's env as after azure/login: az on PATH, its profile in AZURE_CONFIG_DIR.
      const stepEnv = { ...env, NODE_EXTRA_CA_CERTS: emu.caFile };
      const set = await runActionStep({
        with: {
          "vault-url": emu.vaultUrl,
          auth: "azure-cli",
          secrets: "db-password: DB_PASSWORD\nTLS_KEY\nnote: NOTE",
        },
        env: { ...stepEnv, ...values },
      });
      assert.equal(set.exitCode, 0, describeRun(set));
      assert.deepEqual(
        (JSON.parse(set.outputs.result ?? "[]") as { action: string }[]).map((r) => r.action),
        ["created", "created", "created"],
      );
      const get = await runActionStep({
        with: {
          "vault-url": emu.vaultUrl,
          auth: "azure-cli",
          mode: "get",
          secrets: "db-password: DB\ntls-key: KEY\nnote: NOTE_OUT",
        },
        env: stepEnv,
      });
      assert.equal(get.exitCode, 0, describeRun(get));
      assert.deepEqual(
        [get.outputs.DB, get.outputs.KEY, get.outputs.NOTE_OUT],
        [values.DB_PASSWORD, values.TLS_KEY, values.NOTE],
      );
      assert.ok(
        emu.requests.some((r) => r.kind === "token" && r.apiVersion === "2017-09-01"),
        "az fetched the tokens",
      );
      // The CLI bundle's --auth azure-cli, through the same az session.
      const out = path.join(env.HOME ?? "", ".env.secrets");
      const cli = await runCli(
        [
          "get",
          "--vault-url",
          emu.vaultUrl,
          "--auth",
          "azure-cli",
          "--secrets",
          "tls-key: KEY\nnote: NOTE",
          "--out",
          out,
        ],
        stepEnv,
      );
      assert.equal(cli.code, 0, cli.stderr);
      // The default dotenv format, read back with the parser users load .env files with.
      assert.deepEqual(dotenv.parse(readFileSync(out)), {
        KEY: values.TLS_KEY,
        NOTE: values.NOTE,
      });
      const cliTexts = { stdout: cli.stdout, stderr: cli.stderr };
      assertNoLeaks(cliTexts, all, "none");
      recordScenario("client azure cli aml-secrets cli", cliTexts, all, "none");

      const setTexts = stepTexts(set);
      // GITHUB_OUTPUT is where get mode is asked to put the values; nothing else may hold them.
      const getTexts = stepTexts(get);
      delete getTexts.GITHUB_OUTPUT;
      for (const [name, texts] of [
        ["set", setTexts],
        ["get", getTexts],
      ] as const) {
        assertNoLeaks(texts, all, "github");
        recordScenario(`client azure cli action ${name}`, texts, all, "github");
      }
    });
  });
});
