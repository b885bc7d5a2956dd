"""An Azure ML SDK v1 training run that reads its credentials through the run context.

`Run.get_context().get_secret(name)` reads the workspace's key vault with the run's token; it is
part of `azureml-core` (SDK v1), deprecated on 2025-03-31, support ended 2026-06-30. New jobs use
SDK v2 (../azureml-v2/train.py). aml-secrets writes the secrets this run reads.
"""

import sys

from azureml.core import Run


def main():
    run = Run.get_context()
    db_password = run.get_secret(name="db-password")
    others = run.get_secrets(secrets=["storage-key", "api-key"])  # {name: value}
    # ... training that uses them; never print or log a value.
    print(f"read {1 + len(others)} secrets from the workspace key vault")
    del db_password, others
    return 0


if __name__ == "__main__":
    sys.exit(main())
