"use strict";
// aml-secrets: the task's pre-job run (task.json prejobexecution).
globalThis.AML_SECRETS_TASK_RUN = "pre-job";
require("./task.cjs");
