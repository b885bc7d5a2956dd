"""An Azure ML (SDK v2) training job that reads its credentials from the workspace's key vault.

SDK v2 jobs (`az ml job create`, `azure-ai-ml`) have no `Run.get_secret`: a job reads the vault
itself, with `azure-keyvault-secrets` and the job's identity. The job YAML (job.yml) gives the
vault URL in KEY_VAULT_URL and the names in SECRET_NAMES; aml-secrets wrote the values there from
CI. The identity needs the "Key Vault Secrets User" role on the vault.
"""

import os
import sys
from urllib.parse import urlparse

from azure.identity import DefaultAzureCredential, ManagedIdentityCredential
from azure.keyvault.secrets import SecretClient

# Local emulators (aml-secrets emulator) listen on loopback, where Key Vault's check that the
# challenge names the vault's domain cannot pass; every other host keeps the check.
LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def credential():
    """The job's identity on Azure ML compute, else whatever this machine is signed in as.

    On compute, Azure ML sets MSI_ENDPOINT / MSI_SECRET for the job's managed identity, and
    DEFAULT_IDENTITY_CLIENT_ID when the compute has a user-assigned one.
    """
    client_id = os.environ.get("DEFAULT_IDENTITY_CLIENT_ID")
    if "MSI_ENDPOINT" in os.environ or "IDENTITY_ENDPOINT" in os.environ:
        return ManagedIdentityCredential(client_id=client_id)
    return DefaultAzureCredential(managed_identity_client_id=client_id)


def read_secrets(names, vault_url=None):
    """The current value of each named secret, by name, exactly as stored."""
    vault_url = vault_url or os.environ["KEY_VAULT_URL"]
    client = SecretClient(
        vault_url,
        credential(),
        verify_challenge_resource=urlparse(vault_url).hostname not in LOOPBACK,
    )
    return {name: client.get_secret(name).value for name in names}


def main():
    names = [n.strip() for n in os.environ.get("SECRET_NAMES", "").split(",") if n.strip()]
    secrets = read_secrets(names)
    # Hand the values to the training code; never print them (job logs are kept).
    print(f"read {len(secrets)} secrets from the workspace key vault: {', '.join(sorted(secrets))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
