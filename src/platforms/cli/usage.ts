/** `--help` texts of every command. */

const common = `Vault:
  --vault-url URL              https://NAME.vault.azure.net (or a sovereign-cloud suffix)
  --workspace-name NAME        Azure ML workspace whose key vault is used (with --resource-group)
  --resource-group NAME        the workspace's resource group
  --subscription-id ID         the workspace's subscription (default: AZURE_SUBSCRIPTION_ID,
                               else the only one ARM lists for the identity)

Azure:
  --auth MODE                  auto (default) | azure-cli | managed-identity | client-secret
                               client-secret reads AZURE_CLIENT_ID, AZURE_TENANT_ID and
                               AZURE_CLIENT_SECRET; auto uses them when all three are set, else a
                               managed identity when IDENTITY_ENDPOINT / MSI_ENDPOINT is set, else
                               the Azure CLI session
  --cloud NAME                 AzureCloud (default) | AzureChinaCloud | AzureUSGovernment
  --resource-manager-url URL   ARM endpoint for the workspace look-up (Azure Stack, the emulator)
  --max-concurrency N          requests in flight at most (default 16)
  --request-timeout DURATION   how long one request may take, answer included (default 30s);
                               one that times out is tried again at most twice

Other:
  --json                       print the result JSON instead of the table
  -v, --verbose                print debug lines (retries)
  -h, --help                   show this help`;

const setFlags = `Secrets (values are read from environment variables, never from the command line):
  --secrets TEXT               mapping lines \`vault-name: VARIABLE\` or \`VARIABLE\` (repeatable)
  --secrets-file FILE          the same lines from a file
  --variable-prefix PREFIX     also every variable starting with PREFIX (stripped, then
                               UPPER_SNAKE -> lower-kebab)
  --generate NAME[:LENGTH]     write a fresh random value (default 32 characters; repeatable)
  --overwrite MODE             changed (default) | always | never
  --no-recover-deleted         fail on a soft-deleted name instead of recovering it
  --content-type TYPE          content type stored with each written secret
  --tag KEY=VALUE              a tag stored with each written secret (repeatable)
  --expires-in DURATION        e.g. 90d, 12h: expiry of each written version
  --not-before-in DURATION     activation delay of each written version
  --disable-previous-versions  disable older enabled versions after a new one is written
  --allow-empty                allow empty values
  --owner ID                   tag every written secret aml-secrets-owner=ID
  --prune                      with --owner: after the writes, soft-delete the enabled secrets
                               whose latest version carries that tag and which the mapping no
                               longer names`;

export const usage = {
  main: `Usage: aml-secrets <command> [options]

Write CI secrets into Azure Key Vault in one batch, read them back, rotate, list and delete them.

Commands:
  set        write environment variables into the vault (new versions only where changed)
  plan       what set would do, without writing (set --dry-run)
  get        read vault secrets into a file (--out) or stdout (--stdout)
  list       every secret's name and attributes (never a value)
  delete     soft-delete the named secrets (recoverable for the vault's retention)
  rotate     rotate credentials at their source, test them, store them as new versions
  emulator   run the local Key Vault emulator

Run \`aml-secrets <command> --help\` for a command's options; \`aml-secrets --version\` (-V)
prints the version.

Exit codes: 0 all done, 1 some secret failed, 2 bad input (nothing was sent).
`,
  set: `Usage: aml-secrets set [options]

Writes each mapped environment variable into the vault in one batch: a new version only where
the value changed, a result table on stdout, exit 0 / 1 (some secret failed) / 2 (bad input).

${setFlags}
  --dry-run                    plan only (same as \`aml-secrets plan\`)

${common}
`,
  plan: `Usage: aml-secrets plan [options]

What \`aml-secrets set\` would do with the same options (create, update, unchanged, skip,
recover), from a listing of the vault; writes nothing.

${setFlags}

${common}
`,
  get: `Usage: aml-secrets get [options] (--out FILE | --stdout)

Reads vault secrets and writes them in a format other tools read back byte for byte. An entry
the format cannot carry exactly is left out and fails, naming a format that can (exit 1).

  --secrets TEXT               lines \`vault-name: NAME\`, \`vault-name\` (-> VAULT_NAME), \`*\`
                               (every enabled, unexpired, not certificate-backed secret; needs
                               --output-prefix) or \`app-*\` (those whose name starts app-:
                               APP_... names)
  --secrets-file FILE          the same lines from a file
  --output-prefix PREFIX       put PREFIX (e.g. KV_) before every name \`*\` or a pattern derives
  --allow-reserved-names       allow a name you mapped that a shell or a tool reads (PATH...)
  --ignore-not-found           a named secret the vault does not hold is a warning, not a failure
  --out FILE                   write the values to FILE: a new file of mode 0600 renamed into
                               place (never through a symbolic link or into another user's file)
  --format FORMAT              dotenv (default): NAME='value' lines that python-dotenv and the
                               npm dotenv read back exactly; shell: NAME='value' lines for
                               \`. FILE\` in sh and bash; json: one object {"NAME": "value"}
  --stdout                     print the values on stdout (the table then goes to stderr)

${common}
`,
  list: `Usage: aml-secrets list [options]

Prints every secret of the vault with its attributes (enabled, managed, content type, tags,
updated, expires); \`--json\` prints the result JSON (created, not-before and ids too). Only the
listing is requested: no value is ever read. Needs "Key Vault Reader" (or Secrets User).

  --include-deleted            also the soft-deleted secrets, with deletion and purge dates
  --rotate-within DURATION     flag the secrets whose version expires within it (e.g. 30d)

${common}
`,
  delete: `Usage: aml-secrets delete [options]

Soft-deletes each named secret (recoverable for the vault's retention; nothing is purged) and
waits until the vault shows it deleted. A name the vault does not hold is \`absent\`, not a
failure, so a re-run does nothing. Needs "Key Vault Secrets Officer".

  --secrets TEXT               vault names, one a line (\`vault-name\` or \`vault-name: ANY\`;
                               no \`*\`)
  --secrets-file FILE          the same lines from a file
  --dry-run                    show delete / absent for each name; delete nothing

${common}
`,
  rotate: `Usage: aml-secrets rotate [options]

Rotates each named credential at its source, tests the new one, then stores it as the secret's
new version (tags swapped, expiry set), so readers of the vault always hold one that works. A
step that fails leaves the credential readers hold valid. See docs/rotate.md for the roles.

  --secrets TEXT               lines \`vault-name: PROVIDER [Name=value ...]\` (repeatable);
                               PROVIDER storage-account | entra-application | generate; options
                               (else the secret's tags): CredentialId, ProviderAddress,
                               ValidityPeriodDays, ClientId, TenantId, Length
  --secrets-file FILE          the same lines from a file
  --rotate-within DURATION     only secrets whose current version expires within it (e.g. 30d)
  --validity DURATION          how long a new credential lives when no ValidityPeriodDays tag
                               says (default 90d)
  --graph-url URL              Microsoft Graph endpoint (default the cloud's; the emulator's)
  --authority-host URL         where a new client secret is tested (default the cloud's Entra)
  --dry-run                    show what would rotate and why; change nothing

${common}
`,
} as const;
