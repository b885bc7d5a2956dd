// The training job's side: the SDK v2 job script of examples/azureml-v2 reads, with Debian's
// python3-azure and the Azure ML managed identity protocol (MSI_ENDPOINT + MSI_SECRET), exactly
// the bytes the action (dist/action.cjs, run as the runner runs it) wrote.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { describeRun, runActionStep, stepTexts } from "../../helpers/github-runner.ts";
import { withEmulator } from "../../helpers/emulator.ts";
import { assertNoLeaks, pemValue, recordScenario, secretValue } from "../../helpers/leaks.ts";
import { baseEnv, describeClient, python, required, runClient, skipWithout } from "./clients.ts";

const example = path.resolve(import.meta.dirname, "..", "..", "..", "examples", "azureml-v2");

test(
  "the v2 job script reads back byte for byte what the action wrote",
  { skip: skipWithout(python, "python3 with azure-keyvault-secrets", "python3-azure") },
  async () => {
    const py = required(python, "python3 with azure-keyvault-secrets and azure-identity");
    await withEmulator(async (emu) => {
      const values = {
        DB_PASSWORD: secretValue("db"),
        TLS_KEY: pemValue(),
        GREETING: `${secretValue("grüße")} ✓ 東京 🔐\ttab`,
      };
      const step = await runActionStep({
        with: {
          "vault-url": emu.vaultUrl,
          auth: "managed-identity",
          secrets: "db-password: DB_PASSWORD\nTLS_KEY\ngreeting: GREETING",
        },
        env: { ...emu.env(), ...values },
      });
      assert.equal(step.exitCode, 0, describeRun(step));
      const all = Object.values(values);
      assertNoLeaks(stepTexts(step), all, "github");
      recordScenario("client job script: action", stepTexts(step), all, "github");

      // The job's identity on Azure ML compute: MSI_ENDPOINT + MSI_SECRET (api-version 2017-09-01).
      const { MSI_ENDPOINT = "", MSI_SECRET = "", REQUESTS_CA_BUNDLE = "" } = emu.azureCliEnv();
      const jobEnv = {
        ...baseEnv(),
        REQUESTS_CA_BUNDLE,
        MSI_ENDPOINT,
        MSI_SECRET,
        KEY_VAULT_URL: `${emu.vaultUrl}/`,
      };
      const names = ["db-password", "tls-key", "greeting"];
      const read = await runClient(
        py,
        [
          "-c",
          "import json, sys; sys.path.insert(0, sys.argv[1]); import train; " +
            "json.dump(train.read_secrets(json.load(sys.stdin)), sys.stdout)",
          example,
        ],
        jobEnv,
        JSON.stringify(names),
      );
      assert.equal(read.code, 0, describeClient(read));
      assert.deepEqual(JSON.parse(read.stdout), {
        "db-password": values.DB_PASSWORD,
        "tls-key": values.TLS_KEY,
        greeting: values.GREETING,
      });
      assert.ok(
        emu.requests.some((r) => r.kind === "token" && r.apiVersion === "2017-09-01"),
        "the script used the Azure ML managed identity protocol",
      );

      // The script as the job runs it: reads them, prints names only.
      const job = await runClient(py, [path.join(example, "train.py")], {
        ...jobEnv,
        SECRET_NAMES: names.join(","),
      });
      assert.equal(job.code, 0, describeClient(job));
      assert.match(
        job.stdout,
        /^read 3 secrets from the workspace key vault: db-password, greeting, tls-key$/m,
      );
      const texts = {
        stdout: job.stdout,
        stderr: job.stderr + read.stderr,
        logs: emu.logs.join("\n"),
      };
      assertNoLeaks(texts, all, "none");
      recordScenario("client job script", texts, all, "none");
    });
  },
);
