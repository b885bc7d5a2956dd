"""Every secrets operation of Python's SecretClient, once per api-version the SDK offers.

Reads {"vault_url", "prefix", "values": [first, second]} as JSON on stdin; prints one JSON
object per api-version with what it read back (values included: the test compares them byte
for byte and never records this output). Credential: ManagedIdentityCredential from the
environment the test gives (IDENTITY_ENDPOINT / IDENTITY_HEADER, REQUESTS_CA_BUNDLE).
"""

import datetime
import json
import sys

from azure.core.exceptions import HttpResponseError
from azure.identity import ManagedIdentityCredential
from azure.keyvault.secrets import ApiVersion, SecretClient

POLL = 0.05  # seconds between the pollers' requests


def done(poller):
    """Waits for a Key Vault poller (its result() alone does not) and returns its resource."""
    poller.wait()
    return poller.result()


def run(vault_url, api_version, prefix, first, second):
    client = SecretClient(
        vault_url,
        ManagedIdentityCredential(),
        api_version=api_version,
        # The emulator is on loopback: no challenge resource can match the host.
        verify_challenge_resource=False,
    )
    name = f"{prefix}-{api_version.replace('.', '-')}"
    out = {"api_version": api_version, "name": name}
    expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
    v1 = client.set_secret(name, first, content_type="text/plain", tags={"team": "ml"}, expires_on=expires)
    v2 = client.set_secret(name, second)
    out["set"] = [v1.value, v2.value]
    out["latest"] = client.get_secret(name).value
    out["by_version"] = client.get_secret(name, v1.properties.version).value
    out["content_type"] = v1.properties.content_type
    out["tags"] = v1.properties.tags
    out["listed"] = any(p.name == name for p in client.list_properties_of_secrets())
    out["versions"] = sorted(p.version for p in client.list_properties_of_secret_versions(name))
    out["written_versions"] = sorted([v1.properties.version, v2.properties.version])
    updated = client.update_secret_properties(name, v1.properties.version, enabled=False, tags={"team": "data"})
    out["updated"] = {"enabled": updated.enabled, "tags": updated.tags}
    try:
        client.get_secret(name, v1.properties.version)
        out["disabled_read"] = None
    except HttpResponseError as e:
        out["disabled_read"] = e.status_code

    backup = client.backup_secret(name)
    deleted = done(client.begin_delete_secret(name, _polling_interval=POLL))
    out["deleted_recovery_id"] = deleted.recovery_id
    out["get_deleted"] = client.get_deleted_secret(name).name
    out["listed_deleted"] = any(d.name == name for d in client.list_deleted_secrets())
    recovered = done(client.begin_recover_deleted_secret(name, _polling_interval=POLL))
    out["recovered"] = recovered.name
    out["after_recover"] = client.get_secret(name).value
    done(client.begin_delete_secret(name, _polling_interval=POLL))
    client.purge_deleted_secret(name)
    out["restored"] = client.restore_secret_backup(backup).name
    out["after_restore"] = client.get_secret(name).value
    try:
        client.restore_secret_backup(b"\0" * 64)
        out["malformed_restore"] = None
    except HttpResponseError as e:
        out["malformed_restore"] = [e.status_code, e.error.code if e.error else None, e.message]
    return out


def main():
    job = json.load(sys.stdin)
    first, second = job["values"]
    versions = [v.value for v in ApiVersion]
    for api_version in versions:
        print(json.dumps(run(job["vault_url"], api_version, job["prefix"], first, second)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
